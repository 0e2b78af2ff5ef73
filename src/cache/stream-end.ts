import type { Bindings } from "../platform/env";
import type { CacheKind } from "./key";
import { formatSse } from "./sse";

/** How long the gateway waits for the provider's next stream chunk when `UPSTREAM_STREAM_IDLE_MS` is unset. */
export const DEFAULT_STREAM_IDLE_MS = 60_000;

/** `UPSTREAM_STREAM_IDLE_MS`: the longest silence between two chunks of a provider's stream. */
export function streamIdleMs(env: Bindings): number {
  const raw = env.UPSTREAM_STREAM_IDLE_MS;
  const ms = Number(raw);
  return raw !== undefined && raw !== "" && Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_STREAM_IDLE_MS;
}

/** Why a provider's stream ended without its terminal event. */
export type StreamBreak = { cause: "cut"; detail: string } | { cause: "idle"; idleMs: number };

function messageOf(end: StreamBreak): string {
  const retry = "The answer is incomplete: retry the request.";
  if (end.cause === "idle") {
    return `The provider sent nothing for ${end.idleMs} ms in the middle of the stream, so the gateway ended it (UPSTREAM_STREAM_IDLE_MS). ${retry}`;
  }
  return `The provider's stream ended before its final event (${end.detail}). ${retry}`;
}

/**
 * The SSE event that ends a stream the provider broke off, so the client raises instead of keeping a
 * truncated answer. An in-stream error event, not an aborted response: both official SDKs raise
 * `APIError` for any event whose JSON has a truthy top-level `error` (Node `openai` 6
 * `core/streaming.ts` for every event not named `thread.*`; Python `openai` `_streaming.py`
 * `_raise_streaming_error` for every event), while an errored response body reaches a client over
 * HTTP as a clean end of the chunked body (HTTP 200, no error, a truncated answer) and makes
 * workerd report an uncaught `Network connection lost`.
 * Chat streams carry errors as an unnamed `data: {"error": …}`; the Responses API names its event
 * `error` with flat `code`/`message`/`param` (ResponseErrorEvent), to which the nested `error` is added.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming/error
 */
export function streamBreakEvent(kind: CacheKind, end: StreamBreak, sequenceNumber: number): string {
  const error = {
    message: messageOf(end),
    type: "server_error",
    param: null,
    code: end.cause === "idle" ? "upstream_stream_timeout" : "upstream_stream_cut",
  };
  if (kind !== "responses") return formatSse(JSON.stringify({ error }));
  const event = {
    type: "error",
    code: error.code,
    message: error.message,
    param: null,
    sequence_number: sequenceNumber,
    error,
  };
  return formatSse(JSON.stringify(event), "error");
}
