/**
 * The input audio buffer: `input_audio_buffer.append/commit/clear`, server VAD turns, and the
 * optional input transcription that follows a commit.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/input_audio_buffer
 */
import type { RealtimeAudioInputTurnDetection } from "openai/resources/realtime/realtime";
import {
  audioTokens,
  BYTES_PER_MS,
  decodeBase64,
  describeSpeech,
  MAX_APPEND_BYTES,
  pcmDurationMs,
  textTokens,
} from "./realtime-audio";
import type { RealtimeConnection } from "./realtime-connection";
import { startResponse } from "./realtime-response";
import type { SimError, SimUserMessage } from "./realtime-types";
import { newId } from "./realtime-types";
import { type VadEvent, vadSettings, WINDOW_MS } from "./realtime-vad";
import { invalidType, invalidValue } from "./realtime-validate";

const MIN_COMMIT_MS = 100;

/** Appended PCM not yet committed; positions are bytes since the session's first append. */
export class InputAudioBuffer {
  private chunks: Buffer[] = [];
  private startByte = 0;
  private endByte = 0;

  get bytes(): number {
    return this.endByte - this.startByte;
  }

  /** Milliseconds of audio appended during the whole session. */
  get endMs(): number {
    return pcmDurationMs(this.endByte);
  }

  append(pcm: Buffer): void {
    if (pcm.length === 0) return;
    this.chunks.push(pcm);
    this.endByte += pcm.length;
  }

  /** Removes the audio up to `toMs` and returns the part from `fromMs` on (whole buffer by default). */
  take(fromMs?: number, toMs?: number): Buffer {
    const clamp = (ms: number | undefined, fallback: number) =>
      ms === undefined
        ? fallback
        : Math.min(this.endByte, Math.max(this.startByte, Math.round(ms) * BYTES_PER_MS));
    const from = clamp(fromMs, this.startByte);
    const to = Math.max(from, clamp(toMs, this.endByte));
    const all = Buffer.concat(this.chunks);
    const taken = Buffer.from(all.subarray(from - this.startByte, to - this.startByte));
    const rest = all.subarray(to - this.startByte);
    this.chunks = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.startByte = to;
    return taken;
  }

  /** Drops whole chunks that end before `ms`, so memory stays bounded while nobody speaks. */
  dropBefore(ms: number): void {
    const limit = ms * BYTES_PER_MS;
    for (
      let first = this.chunks[0];
      first && this.startByte + first.length <= limit;
      first = this.chunks[0]
    ) {
      this.startByte += first.length;
      this.chunks.shift();
    }
  }

  clear(): void {
    this.chunks = [];
    this.startByte = this.endByte;
  }
}

/** `input_audio_buffer.append`: base64 PCM16, at most 15 MiB per event; no acknowledgement. */
export function appendAudio(conn: RealtimeConnection, audio: unknown): SimError | null {
  if (typeof audio !== "string") return invalidType("audio", "a string", audio);
  if (audio.length > Math.ceil(MAX_APPEND_BYTES / 3) * 4 + 4) {
    const message = `Audio content of ${Math.floor((audio.length * 3) / 4)} bytes exceeds the maximum of ${MAX_APPEND_BYTES} bytes (15 MiB) per append.`;
    return { code: "invalid_value", message, param: "audio" };
  }
  const pcm = decodeBase64(audio);
  if (pcm === null) return invalidValue("audio", "<audio>", ["base64-encoded audio"]);
  if (pcm.length > MAX_APPEND_BYTES) {
    const message = `Audio content of ${pcm.length} bytes exceeds the maximum of ${MAX_APPEND_BYTES} bytes (15 MiB) per append.`;
    return { code: "invalid_value", message, param: "audio" };
  }
  conn.input.append(pcm);
  const detection = conn.session.audio.input.turn_detection;
  if (detection === null) return null;
  const settings = vadSettings(detection);
  for (const event of conn.vad.push(pcm, settings)) onVadEvent(conn, event, detection);
  if (!conn.vad.speaking) conn.input.dropBefore(conn.input.endMs - settings.prefixPaddingMs - WINDOW_MS);
  return null;
}

function onVadEvent(
  conn: RealtimeConnection,
  event: VadEvent,
  detection: RealtimeAudioInputTurnDetection,
): void {
  if (event.kind === "speech_started") {
    const itemId = newId("item");
    conn.speechItemId = itemId;
    conn.send({
      type: "input_audio_buffer.speech_started",
      audio_start_ms: event.audioStartMs,
      item_id: itemId,
    });
    if (detection.interrupt_response !== false) conn.activeResponse?.cancel("turn_detected");
    return;
  }
  const itemId = conn.speechItemId ?? newId("item");
  conn.speechItemId = null;
  conn.send({ type: "input_audio_buffer.speech_stopped", audio_end_ms: event.audioEndMs, item_id: itemId });
  commitAudio(conn, conn.input.take(event.audioStartMs, event.audioEndMs), itemId);
  const respond = detection.create_response !== false && conn.session.type === "realtime";
  if (respond && conn.activeResponse === null) startResponse(conn, {});
}

/** `input_audio_buffer.commit`: needs at least 100 ms of audio. */
export function commitBuffer(conn: RealtimeConnection): SimError | null {
  const ms = pcmDurationMs(conn.input.bytes);
  if (ms < MIN_COMMIT_MS) {
    const message = `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`;
    return { code: "input_audio_buffer_commit_empty", message, param: null };
  }
  const itemId = conn.speechItemId ?? newId("item");
  conn.speechItemId = null;
  const pcm = conn.input.take();
  conn.vad.reset(conn.input.endMs);
  commitAudio(conn, pcm, itemId);
  return null;
}

/** `input_audio_buffer.clear` → `input_audio_buffer.cleared`. */
export function clearBuffer(conn: RealtimeConnection): void {
  conn.input.clear();
  conn.vad.reset(conn.input.endMs);
  conn.speechItemId = null;
  conn.send({ type: "input_audio_buffer.cleared" });
}

/** Turns committed audio into a user message (transcript `null` until transcribed). */
function commitAudio(conn: RealtimeConnection, pcm: Buffer, itemId: string): void {
  const item: SimUserMessage = {
    id: itemId,
    object: "realtime.item",
    type: "message",
    status: "completed",
    role: "user",
    content: [{ type: "input_audio", transcript: null }],
  };
  const placed = conn.conversation.insert(item);
  const previousItemId = placed.ok ? placed.previousItemId : null;
  conn.conversation.setAudio(itemId, { pcm, ms: pcmDurationMs(pcm.length) });
  conn.send({ type: "input_audio_buffer.committed", item_id: itemId, previous_item_id: previousItemId });
  conn.send({ type: "conversation.item.added", item, previous_item_id: previousItemId });
  conn.send({ type: "conversation.item.done", item, previous_item_id: previousItemId });
  if (conn.session.audio.input.transcription !== null) transcribe(conn, item, pcm);
}

function transcribe(conn: RealtimeConnection, item: SimUserMessage, pcm: Buffer): void {
  const transcript = describeSpeech(pcm);
  const itemId = item.id ?? "";
  transcript.split(" ").forEach((word, index) => {
    const delta = index === 0 ? word : ` ${word}`;
    conn.send({
      type: "conversation.item.input_audio_transcription.delta",
      item_id: itemId,
      content_index: 0,
      delta,
    });
  });
  const part = item.content[0];
  if (part) part.transcript = transcript;
  const input = audioTokens(pcmDurationMs(pcm.length));
  const output = textTokens(transcript);
  conn.send({
    type: "conversation.item.input_audio_transcription.completed",
    item_id: itemId,
    content_index: 0,
    transcript,
    usage: {
      type: "tokens",
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
      input_token_details: { audio_tokens: input, text_tokens: 0 },
    },
  });
}
