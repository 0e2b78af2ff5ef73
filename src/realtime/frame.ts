/**
 * Cheap inspection of Realtime frames: the relay reads `type` and `event_id` from the first bytes of
 * a frame and never parses (or re-serializes) audio frames such as `input_audio_buffer.append` or
 * `response.output_audio.delta`.
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events
 */

const TYPE_PREFIX = '{"type":"';
/** How far into a frame a top-level key is looked for before giving up on the fast path. */
const SCAN_LIMIT = 512;
/** Frames at most this long are parsed when the fast scan cannot tell their type. */
const PARSE_FALLBACK_MAX = 1024 * 1024;

/** The value of a string key whose `"key":"` marker starts at `start`, if it ends within the scan limit. */
function stringAt(frame: string, start: number): string | null {
  const end = frame.indexOf('"', start);
  if (end < 0 || end - start > SCAN_LIMIT) return null;
  const value = frame.slice(start, end);
  return value.includes("\\") ? null : value;
}

/**
 * Index just after the `"` that closes the string opening at `open` (the index of its `"`), skipping
 * escaped quotes; -1 when the string does not end.
 */
function skipString(frame: string, open: number): number {
  let at = open + 1;
  for (;;) {
    const quote = frame.indexOf('"', at);
    if (quote < 0) return -1;
    let slashes = 0;
    for (let i = quote - 1; frame.charCodeAt(i) === 92; i--) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
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
      const next = skipString(frame, i);
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

export type ClientFrameProblem =
  | { code: "invalid_json"; message: string }
  | { code: "invalid_event"; message: string };

/**
 * Why a client frame whose type the fast scan could not find is unusable, or null when it is a valid
 * event after all (then its parsed type is returned). Only frames up to 1 MiB are parsed.
 */
export function diagnoseFrame(frame: string): ClientFrameProblem | { type: string } {
  if (frame.length > PARSE_FALLBACK_MAX) {
    return {
      code: "invalid_event",
      message: "The client event has no top-level string 'type' within its first bytes.",
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { code: "invalid_json", message: `The client event is not valid JSON: ${detail}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { code: "invalid_event", message: "The client event must be a JSON object." };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string") {
    return { code: "invalid_event", message: "The client event is missing a string 'type'." };
  }
  return { type };
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
