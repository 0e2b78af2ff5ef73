/**
 * Background responses (`background: true`): created `queued`, `in_progress` after one
 * `backgroundStepMs`, finished after another; cancellable until then; streamable again from any
 * sequence number with `GET /v1/responses/{id}?stream=true&starting_after=N`.
 * @see https://platform.openai.com/docs/guides/background
 */
import { SimError } from "./errors";
import type { Reply, SseEvent } from "./http";
import type { StoredResponse } from "./responses";
import { cancelTimer, type SimStore, schedule } from "./store";

const TERMINAL = new Set(["completed", "failed", "incomplete", "cancelled"]);
const BEFORE_OUTPUT = new Set(["response.created", "response.queued", "response.in_progress"]);

/** Moves a stored background response through `queued` → `in_progress` → its final state. */
export function runInBackground(store: SimStore, stored: StoredResponse, stepMs: number): void {
  const final = stored.final;
  if (!final) return;
  stored.timer = schedule(store, stepMs, () => {
    stored.response = { ...stored.response, status: "in_progress" };
    stored.timer = schedule(store, stepMs, () => {
      stored.timer = undefined;
      stored.response = final;
    });
  });
}

/** Ends the wait at once (a client streaming the response gets every event to the end). */
function finishNow(store: SimStore, stored: StoredResponse): void {
  if (TERMINAL.has(stored.response.status ?? "") || !stored.final) return;
  cancelTimer(store, stored.timer);
  stored.timer = undefined;
  stored.response = stored.final;
}

/**
 * `POST /v1/responses/{id}/cancel`: only background responses; a queued or running one becomes
 * `cancelled`, a finished one is answered as it is.
 */
export function cancelBackground(store: SimStore, stored: StoredResponse): StoredResponse["response"] {
  if (!stored.response.background) {
    throw new SimError(
      400,
      "Only responses created with background=true can be cancelled.",
      "invalid_request_error",
      null,
      null,
    );
  }
  if (TERMINAL.has(stored.response.status ?? "")) return stored.response;
  cancelTimer(store, stored.timer);
  stored.timer = undefined;
  stored.response = { ...stored.response, status: "cancelled" };
  // What a stream replays of a cancelled response: it never got past `queued`/`in_progress`.
  stored.events = (stored.events ?? []).filter((e) => BEFORE_OUTPUT.has(e.event ?? ""));
  return stored.response;
}

function sequenceOf(event: SseEvent): number {
  return (JSON.parse(event.data) as { sequence_number: number }).sequence_number;
}

/** `GET /v1/responses/{id}?stream=true[&starting_after=N]`: the events after sequence number N. */
export function streamStored(store: SimStore, stored: StoredResponse, query: URLSearchParams): Reply {
  if (!stored.events) {
    throw new SimError(
      400,
      "Streaming a stored response is only supported for responses created with background=true.",
      "invalid_request_error",
      "stream",
      "invalid_value",
    );
  }
  const raw = query.get("starting_after");
  const after = raw === null ? -1 : Number(raw);
  if (!Number.isInteger(after) || after < -1) {
    const message = `Invalid 'starting_after': expected an integer, but got '${raw}' instead.`;
    throw new SimError(400, message, "invalid_request_error", "starting_after", "invalid_value");
  }
  finishNow(store, stored);
  return { kind: "sse", events: stored.events.filter((e) => sequenceOf(e) > after) };
}
