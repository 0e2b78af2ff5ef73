import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { ChatStreamAssembler } from "./chat-stream";
import type { CacheKind } from "./key";
import { formatSse, SseParser } from "./sse";

/** Finish reasons of an answer that ended normally (a content filter stop is not kept). */
const CLEAN_FINISH = new Set(["stop", "length", "tool_calls", "function_call"]);

/** The final object of a streamed answer, or null when the stream was cut or ended abnormally. */
export type StreamOutcome = Record<string, unknown> | null;

function parseJson(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Passes a provider's SSE stream through event by event while assembling the final answer.
 * `dropUsageChunk` removes the trailing usage-only chunk the gateway asked for on the client's
 * behalf. `onEnd` gets the assembled answer only if the stream ended cleanly (`[DONE]` and a
 * normal finish reason for chat, `response.completed` for responses).
 */
export function observeStream(
  body: ReadableStream<Uint8Array>,
  kind: CacheKind,
  dropUsageChunk: boolean,
  onEnd: (outcome: StreamOutcome) => void,
): ReadableStream<Uint8Array> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const chat = new ChatStreamAssembler();
  let done = false;
  let completed: Record<string, unknown> | null = null;
  let ended = false;
  const finish = (outcome: StreamOutcome) => {
    if (ended) return;
    ended = true;
    onEnd(outcome);
  };
  /** Forwards parsed events; returns whether anything was enqueued. */
  const handle = (
    events: ReturnType<SseParser["push"]>,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ) => {
    let out = "";
    for (const event of events) {
      if (event.data === "[DONE]") done = true;
      else {
        const json = parseJson(event.data);
        if (kind === "chat" && json && !("error" in json)) {
          const chunk = json as unknown as ChatCompletionChunk;
          chat.add(chunk);
          if (dropUsageChunk && chunk.choices.length === 0 && chunk.usage) continue;
        }
        if (kind === "responses" && json?.type === "response.completed") {
          completed = (json.response as Record<string, unknown> | undefined) ?? null;
        }
      }
      out += formatSse(event.data, event.event ?? undefined);
    }
    if (out) controller.enqueue(encoder.encode(out));
    return out !== "";
  };
  const outcome = (): StreamOutcome => {
    if (kind === "responses") return completed;
    if (!done) return null;
    const result = chat.result();
    if (!result?.choices.every((c) => CLEAN_FINISH.has(c.finish_reason))) return null;
    return result as unknown as Record<string, unknown>;
  };
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    // Reads until something can be forwarded: a pull that enqueues nothing would stall the reader.
    async pull(controller) {
      try {
        for (;;) {
          const { value, done: eof } = await reader.read();
          if (eof) {
            handle(parser.end(), controller);
            finish(outcome());
            controller.close();
            return;
          }
          if (handle(parser.push(decoder.decode(value, { stream: true })), controller)) return;
        }
      } catch (err) {
        finish(null);
        controller.error(err);
      }
    },
    cancel(reason) {
      finish(null);
      return reader.cancel(reason);
    },
  });
}
