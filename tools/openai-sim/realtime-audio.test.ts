import { describe, expect, it } from "vitest";
import { BYTES_PER_MS, chunkPcm, decodeBase64, rmsLevel, synthesizeSpeech } from "./realtime-audio";
import { InputAudioBuffer } from "./realtime-input";
import { silence, tone } from "./realtime-test-client";
import { buildUsage } from "./realtime-usage";
import { VoiceActivityDetector, vadSettings } from "./realtime-vad";

const serverVad = (threshold = 0.5) =>
  vadSettings({ type: "server_vad", threshold, prefix_padding_ms: 300, silence_duration_ms: 500 });

describe("VoiceActivityDetector", () => {
  it("finds a tone between silences, with prefix padding and the silence tail", () => {
    const vad = new VoiceActivityDetector();
    const events = vad.push(Buffer.concat([silence(1000), tone(600), silence(700)]), serverVad());
    expect(events).toEqual([
      { kind: "speech_started", audioStartMs: 700 },
      { kind: "speech_stopped", audioStartMs: 700, audioEndMs: 2100 },
    ]);
    expect(vad.speaking).toBe(false);
  });

  it("maps threshold to loudness: a quiet tone is speech only at a low threshold", () => {
    const quiet = Buffer.concat([tone(200, 300, 0.05), silence(600)]);
    expect(new VoiceActivityDetector().push(quiet, serverVad(0.5))).toEqual([]);
    expect(new VoiceActivityDetector().push(quiet, serverVad(0.2)).map((e) => e.kind)).toEqual([
      "speech_started",
      "speech_stopped",
    ]);
  });

  it("gives the same answer however the audio is split into appends", () => {
    const pcm = Buffer.concat([silence(130), tone(410), silence(530)]);
    const whole = new VoiceActivityDetector().push(pcm, serverVad());
    const vad = new VoiceActivityDetector();
    const split = [];
    for (let offset = 0; offset < pcm.length; offset += 1234)
      split.push(...vad.push(pcm.subarray(offset, offset + 1234), serverVad()));
    expect(split).toEqual(whole);
  });
});

describe("synthesised speech", () => {
  it("is deterministic PCM16 of 60 ms per word at a soft, audible level", () => {
    const pcm = synthesizeSpeech(["hello", "there", "friend"]);
    expect(pcm.length).toBe(3 * 60 * BYTES_PER_MS);
    expect(pcm.equals(synthesizeSpeech(["hello", "there", "friend"]))).toBe(true);
    expect(rmsLevel(pcm)).toBeGreaterThan(0.1);
    expect(rmsLevel(pcm)).toBeLessThan(0.25);
    expect(chunkPcm(pcm, 100).map((c) => c.length)).toEqual([4800, 3840]);
  });

  it("decodes only strict base64", () => {
    expect(decodeBase64("AAEC")).toEqual(Buffer.from([0, 1, 2]));
    expect(decodeBase64("not base64!")).toBeNull();
    expect(decodeBase64("AAE")).toBeNull();
  });
});

describe("InputAudioBuffer", () => {
  it("takes a committed span and keeps what follows it", () => {
    const buffer = new InputAudioBuffer();
    buffer.append(tone(100));
    buffer.append(silence(100));
    expect(buffer.take(50, 150).length).toBe(100 * BYTES_PER_MS);
    expect(buffer.bytes).toBe(50 * BYTES_PER_MS);
    buffer.dropBefore(1000);
    expect(buffer.bytes).toBe(0);
    expect(buffer.endMs).toBe(200);
  });
});

describe("buildUsage", () => {
  it("counts cached tokens only once the prefix passes 1024 tokens", () => {
    const small = buildUsage({ text: 500, audio: 100, image: 0 }, { text: 10, audio: 20, image: 0 }, 400);
    expect(small.input_token_details?.cached_tokens).toBe(0);
    const large = buildUsage({ text: 1500, audio: 300, image: 0 }, { text: 10, audio: 20, image: 0 }, 1600);
    expect(large.input_token_details?.cached_tokens).toBe(1600);
    expect(large.input_token_details?.cached_tokens_details).toEqual({
      text_tokens: 1500,
      audio_tokens: 100,
      image_tokens: 0,
    });
    expect(large.total_tokens).toBe(1830);
  });
});
