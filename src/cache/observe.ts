import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { ChatStreamAssembler } from "./chat-stream";
import type { CacheKind } from "./key";
import { formatSse, SseParser } from "./sse";
import { type StreamBreak, streamBreakEvent } from "./stream-end";

/** Finish reasons of an answer that ended normally (a content filter stop is not kept). */
const CLEAN_FINISH = new Set(["stop", "length", "tool_calls", "function_call"]);

/** Responses API events after which the provider sends nothing more. */
const RESPONSES_TERMINAL = new Set(["response.completed", "response.failed", "response.incomplete", "error"]);

/** The final object of a streamed answer, or null when the stream was cut or ended abnormally. */
export type StreamOutcome = Record<string, unknown> | null;

export interface ObserveOptions {
  kind: CacheKind;
  /** Removes the trailing usage-only chunk the gateway asked for on the client's behalf. */
  dropUsageChunk: boolean;
  /** Longest wait for the provider's next chunk (`UPSTREAM_STREAM_IDLE_MS`). */
  idleMs: number;
  /** Gets the assembled answer only if the stream ended cleanly, else null; called once. */
  onEnd: (outcome: StreamOutcome) => void;
  /** Called when the provider's stream ended without its terminal event (for the log). */
  onBreak?: (end: StreamBreak) => void;
}

function parseJson(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A reader with one idle watchdog for the whole stream, instead of a timer and a `Promise.race` per
 * chunk: the timer is re-armed only when it fires, for what is left of the window. Only time spent
 * waiting for the provider counts (a slow client holding the stream back is not idleness). When
 * nothing came within `idleMs`, the provider's stream is cancelled, which ends the pending read.
 */
function idleGuardedReader(body: ReadableStream<Uint8Array>, idleMs: number) {
  const reader = body.getReader();
  let waitingSince: number | null = null;
  let idled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    timer = undefined;
    if (waitingSince === null) return;
    const quiet = Date.now() - waitingSince;
    if (quiet < idleMs) {
      timer = setTimeout(check, idleMs - quiet);
      return;
    }
    idled = true;
    // Cancelling may itself reject once the connection is gone: nobody else would handle it.
    reader.cancel().catch(() => {});
  };
  return {
    /** The next chunk; `idle` once the stream was ended for want of one. */
    async read(): Promise<ReadableStreamReadResult<Uint8Array> | "idle"> {
      waitingSince = Date.now();
      timer ??= setTimeout(check, idleMs);
      try {
        const next = await reader.read();
        return idled ? "idle" : next;
      } catch (err) {
        // The cancel that ended an idle stream may reject the pending read instead of ending it.
        if (idled) return "idle";
        throw err;
      } finally {
        waitingSince = null;
      }
    },
    stop(): void {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    cancel: (reason?: unknown) => reader.cancel(reason),
  };
}

/**
 * Passes a provider's SSE stream through event by event while assembling the final answer.
 * A stream that ends without its terminal event (`[DONE]` for chat; `response.completed`,
 * `.failed`, `.incomplete` or `error` for responses), because the connection was lost or nothing
 * came for `idleMs`, ends with an in-stream error event the SDKs raise (`stream-end.ts`) and is
 * closed normally: the returned stream never errors, so no rejection reaches workerd.
 */
export function observeStream(
  body: ReadableStream<Uint8Array>,
  options: ObserveOptions,
): ReadableStream<Uint8Array> {
  const { kind, dropUsageChunk, idleMs } = options;
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const chat = new ChatStreamAssembler();
  let done = false;
  let terminal = false;
  let sequence = -1;
  let completed: Record<string, unknown> | null = null;
  let ended = false;
  const finish = (outcome: StreamOutcome) => {
    if (ended) return;
    ended = true;
    options.onEnd(outcome);
  };
  /** The events to forward, re-serialised, after noting what they say about the answer. */
  const handle = (events: ReturnType<SseParser["push"]>): string => {
    let out = "";
    for (const event of events) {
      if (event.data === "[DONE]") {
        done = true;
        terminal = true;
      } else {
        const json = parseJson(event.data);
        // The provider's own in-stream error already tells the client; nothing is added after it.
        if (json && "error" in json) terminal = true;
        if (kind === "chat" && json && !("error" in json)) {
          const chunk = json as unknown as ChatCompletionChunk;
          chat.add(chunk);
          if (dropUsageChunk && chunk.choices.length === 0 && chunk.usage) continue;
        }
        if (kind === "responses" && json) {
          if (typeof json.sequence_number === "number") sequence = json.sequence_number;
          if (typeof json.type === "string" && RESPONSES_TERMINAL.has(json.type)) terminal = true;
          if (json.type === "response.completed") {
            completed = (json.response as Record<string, unknown> | undefined) ?? null;
          }
        }
      }
      out += formatSse(event.data, event.event ?? undefined);
    }
    return out;
  };
  const outcome = (): StreamOutcome => {
    if (kind === "responses") return completed;
    if (!done) return null;
    const result = chat.result();
    if (!result?.choices.every((c) => CLEAN_FINISH.has(c.finish_reason))) return null;
    return result as unknown as Record<string, unknown>;
  };
  /** Ends the client's stream; `broken` says why the provider's stream stopped early, if it did. */
  const close = (controller: ReadableStreamDefaultController<Uint8Array>, broken: StreamBreak | null) => {
    // A connection lost mid-line leaves half an event: dropped, only whole events are forwarded.
    let tail = broken ? "" : handle(parser.end());
    if (!terminal) {
      const end = broken ?? { cause: "cut", detail: "the connection closed" };
      options.onBreak?.(end);
      tail += streamBreakEvent(kind, end, sequence + 1);
    }
    if (tail) controller.enqueue(encoder.encode(tail));
    finish(terminal ? outcome() : null);
    controller.close();
  };
  const reader = idleGuardedReader(body, idleMs);
  return new ReadableStream<Uint8Array>({
    // Reads until something can be forwarded: a pull that enqueues nothing would stall the reader.
    async pull(controller) {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array> | "idle";
        try {
          next = await reader.read();
        } catch {
          reader.stop();
          close(controller, { cause: "cut", detail: "the connection was lost" });
          return;
        }
        if (next === "idle") {
          close(controller, { cause: "idle", idleMs });
          return;
        }
        if (next.done) {
          reader.stop();
          close(controller, null);
          return;
        }
        const out = handle(parser.push(decoder.decode(next.value, { stream: true })));
        if (out) {
          controller.enqueue(encoder.encode(out));
          return;
        }
      }
    },
    cancel(reason) {
      reader.stop();
      finish(null);
      // The client left: the provider's body is released; a rejection here would be unhandled.
      return reader.cancel(reason).catch(() => {});
    },
  });
}
