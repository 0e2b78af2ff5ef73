/**
 * PCM16 helpers for the simulated Realtime server: 24 kHz, mono, little-endian, as the GA
 * `audio/pcm` format requires. The simulator synthesises real audio so clients can decode it.
 * @see https://platform.openai.com/docs/guides/realtime-conversations#handling-audio
 */
import { createHash } from "node:crypto";

export const SAMPLE_RATE = 24_000;
/** 24 samples per millisecond, two bytes each. */
export const BYTES_PER_MS = 48;
/** Milliseconds of synthesised speech per word of the answer. */
export const MS_PER_WORD = 60;
/** Size of one `response.output_audio.delta` chunk. */
export const CHUNK_MS = 150;
/** Audio tokens are counted as one per 50 ms, the simulator's deterministic rule. */
export const MS_PER_AUDIO_TOKEN = 50;
/** A single `input_audio_buffer.append` may carry at most 15 MiB of audio (spec). */
export const MAX_APPEND_BYTES = 15 * 1024 * 1024;

const FADE_MS = 5;
const AMPLITUDE = 0.25;

export function pcmDurationMs(bytes: number): number {
  return bytes / BYTES_PER_MS;
}

/** Root-mean-square level of a PCM16 slice, 0 (silence) to 1 (full scale). */
export function rmsLevel(pcm: Buffer, start = 0, end = pcm.length): number {
  let sum = 0;
  let count = 0;
  for (let i = start; i + 1 < end; i += 2) {
    const sample = pcm.readInt16LE(i) / 32768;
    sum += sample * sample;
    count += 1;
  }
  return count === 0 ? 0 : Math.sqrt(sum / count);
}

function hashOf(text: string | Buffer): Buffer {
  return createHash("sha256").update(text).digest();
}

/** A soft tone per word (pitch from the word's hash), with short fades so chunks do not click. */
export function synthesizeSpeech(words: readonly string[], msPerWord = MS_PER_WORD): Buffer {
  const samplesPerWord = (SAMPLE_RATE * msPerWord) / 1000;
  const fadeSamples = (SAMPLE_RATE * FADE_MS) / 1000;
  const pcm = Buffer.alloc(words.length * samplesPerWord * 2);
  words.forEach((word, w) => {
    const frequency = 180 + ((hashOf(word)[0] ?? 0) % 160);
    for (let n = 0; n < samplesPerWord; n++) {
      const edge = Math.min(n, samplesPerWord - 1 - n);
      const envelope = Math.min(1, edge / fadeSamples);
      const value = Math.sin((2 * Math.PI * frequency * n) / SAMPLE_RATE) * AMPLITUDE * envelope;
      pcm.writeInt16LE(Math.round(value * 32767), (w * samplesPerWord + n) * 2);
    }
  });
  return pcm;
}

/** Splits PCM into `chunkMs` pieces (the last one may be shorter). */
export function chunkPcm(pcm: Buffer, chunkMs = CHUNK_MS): Buffer[] {
  const size = chunkMs * BYTES_PER_MS;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < pcm.length; offset += size) chunks.push(pcm.subarray(offset, offset + size));
  return chunks;
}

export function audioTokens(ms: number): number {
  return Math.ceil(ms / MS_PER_AUDIO_TOKEN);
}

/** Text tokens by the usual four-characters-per-token estimate. */
export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A deterministic stand-in for a transcript: the duration and a short hash of the samples. */
export function describeSpeech(pcm: Buffer): string {
  const seconds = (pcmDurationMs(pcm.length) / 1000).toFixed(1);
  return `simulated speech ${seconds} seconds ${hashOf(pcm).toString("hex").slice(0, 6)}`;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes strict base64 (Node's decoder silently skips bad characters). */
export function decodeBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return null;
  return Buffer.from(text, "base64");
}
