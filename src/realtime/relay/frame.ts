/**
 * Cheap inspection of Realtime frames. Server frames (from the provider, trusted): the relay reads
 * `type` and `event_id` from the first bytes and never parses audio deltas. Client frames (untrusted):
 * only a provably plain `input_audio_buffer.append` skips the parse (`classifyClientFrame`).
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events
 */

import { skipJsonString } from "../../platform/json-depth";

const TYPE_PREFIX = '{"type":"';
/** How far into a frame a top-level key is looked for before giving up on the fast path. */
const SCAN_LIMIT = 512;

/** The value of a string key whose `"key":"` marker starts at `start`, if it ends within the scan limit. */
function stringAt(frame: string, start: number): string | null {
  const end = frame.indexOf('"', start);
  if (end < 0 || end - start > SCAN_LIMIT) return null;
  const value = frame.slice(start, end);
  return value.includes("\\") ? null : value;
}

/**
 * The value of the top-level string key `key` of a JSON object frame, found by walking the frame
 * with `indexOf` jumps over strings (so a multi-megabyte base64 value costs one memchr, not a parse).
 * Returns null when the key is absent or not a plain string.
 */
export function topLevelString(frame: string, key: string): string | null {
  const marker = `"${key}"`;
  let depth = 0;
  for (let i = 0; i < frame.length; i++) {
    const c = frame.charCodeAt(i);
    if (c === 34 /* " */) {
      if (depth === 1 && frame.startsWith(marker, i)) {
        let j = i + marker.length;
        while (frame.charCodeAt(j) === 32 || frame.charCodeAt(j) === 9) j++;
        if (frame.charCodeAt(j) === 58 /* : */) {
          j++;
          while (frame.charCodeAt(j) === 32 || frame.charCodeAt(j) === 9) j++;
          return frame.charCodeAt(j) === 34 ? stringAt(frame, j + 1) : null;
        }
      }
      const next = skipJsonString(frame, i);
      if (next < 0) return null;
      i = next - 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return null;
}

/** The `type` of a frame: a prefix check for the usual `{"type":"…"` layout, else a top-level scan. */
export function frameType(frame: string): string | null {
  if (frame.startsWith(TYPE_PREFIX)) return stringAt(frame, TYPE_PREFIX.length);
  return topLevelString(frame, "type");
}

/**
 * The server `event_id` of an upstream frame. OpenAI writes `type` then `event_id` first; other
 * layouts fall back to the top-level scan.
 */
export function frameEventId(frame: string, type: string | null): string | null {
  if (type !== null) {
    const at = TYPE_PREFIX.length + type.length + 1;
    if (frame.startsWith(',"event_id":"', at)) return stringAt(frame, at + 13);
  }
  return topLevelString(frame, "event_id");
}

const APPEND_PREFIX = '{"type":"input_audio_buffer.append"';
const EVENT_ID_KEY = ',"event_id":"';
const AUDIO_KEY = ',"audio":"';
/** Characters of a client `event_id` the fast path accepts as they are (anything else is parsed). */
const SAFE_EVENT_ID = /^[\w.:-]{1,128}$/;

/**
 * Where the audio value of a provably plain `input_audio_buffer.append` starts, or -1. Plain means
 * exactly `{"type":"input_audio_buffer.append"[,"event_id":"<safe chars>"],"audio":"<value>"}` where
 * the audio value holds no `"` and no backslash: such a frame has no duplicate key, no escape and no
 * second `type`, so the provider's `JSON.parse` sees the same event and it may be forwarded without
 * being parsed. Cost: two memchr-like scans of the audio value, never a parse.
 */
function plainAppendAudioStart(frame: string): number {
  if (!frame.startsWith(APPEND_PREFIX)) return -1;
  let at = APPEND_PREFIX.length;
  if (frame.startsWith(EVENT_ID_KEY, at)) {
    const from = at + EVENT_ID_KEY.length;
    const end = frame.indexOf('"', from);
    if (end < 0 || !SAFE_EVENT_ID.test(frame.slice(from, end))) return -1;
    at = end + 1;
  }
  if (!frame.startsWith(AUDIO_KEY, at)) return -1;
  const from = at + AUDIO_KEY.length;
  const close = frame.length - 2;
  if (close < from || !frame.endsWith('"}')) return -1;
  return frame.indexOf('"', from) === close && frame.indexOf("\\", from) < 0 ? from : -1;
}

/** True when a client frame is a plain `input_audio_buffer.append` (see `plainAppendAudioStart`). */
export function isPlainAppend(frame: string): boolean {
  return plainAppendAudioStart(frame) >= 0;
}

/** Bytes that `length` base64 characters ending at `end` (exclusive) of `text` decode to. */
function base64Bytes(text: string, end: number, length: number): number {
  let chars = length;
  if (chars > 0 && text.charCodeAt(end - 1) === 61) chars--;
  if (chars > 0 && text.charCodeAt(end - 2) === 61) chars--;
  return Math.floor((chars * 3) / 4);
}

/** Bytes of base64 audio in a parsed event's string field (e.g. an append's `audio`). */
export function base64StringBytes(value: unknown): number {
  return typeof value === "string" ? base64Bytes(value, value.length, value.length) : 0;
}

/** A client frame as the relay acts on it. */
export type ClientFrame =
  /** A plain audio append (`isPlainAppend`): forwarded as it is; `audioBytes` is its decoded size. */
  | { kind: "append"; audioBytes: number }
  /** Any other event: parsed, and forwarded re-serialised from `event`. */
  | { kind: "event"; type: string; event: Record<string, unknown> }
  | {
      kind: "invalid";
      code: "invalid_json" | "invalid_event";
      message: string;
      clientEventId: string | null;
    };

/**
 * Classifies a client frame. Only plain appends skip the parse; every other frame is parsed with
 * `JSON.parse` (the provider's semantics: the last duplicate key wins, escapes are decoded), so the
 * type and fields the gateway's policy reads are the ones the provider will act on once the event
 * is re-serialised.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events
 */
export function classifyClientFrame(frame: string): ClientFrame {
  const audioStart = plainAppendAudioStart(frame);
  if (audioStart >= 0) {
    const close = frame.length - 2;
    return { kind: "append", audioBytes: base64Bytes(frame, close, close - audioStart) };
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return {
      kind: "invalid",
      code: "invalid_json",
      message: `The client event is not valid JSON: ${detail}`,
      clientEventId: null,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      kind: "invalid",
      code: "invalid_event",
      message: "The client event must be a JSON object.",
      clientEventId: null,
    };
  }
  const event = value as Record<string, unknown>;
  const clientEventId = typeof event.event_id === "string" ? event.event_id : null;
  if (typeof event.type !== "string") {
    return {
      kind: "invalid",
      code: "invalid_event",
      message: "The client event is missing a string 'type'.",
      clientEventId,
    };
  }
  return { kind: "event", type: event.type, event };
}

/**
 * Bytes of audio in a base64 string value `key` of an audio frame (`audio` of an append, `delta`
 * of an output audio delta), measured from the frame's text without decoding it.
 */
export function base64AudioBytes(frame: string, key: "audio" | "delta"): number {
  const marker = `"${key}":"`;
  const start = frame.indexOf(marker);
  if (start < 0) return 0;
  const from = start + marker.length;
  const end = frame.indexOf('"', from);
  if (end < 0) return 0;
  let length = end - from;
  if (frame.charCodeAt(end - 1) === 61) length--;
  if (frame.charCodeAt(end - 2) === 61) length--;
  return Math.floor((length * 3) / 4);
}

/** Parses a frame the gateway acts on; null when it is not a JSON object. */
export function parseEvent(frame: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(frame);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
