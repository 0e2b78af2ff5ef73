import type { ChatCompletion } from "openai/resources/chat/completions";
import type { Response as OpenAIResponse } from "openai/resources/responses/responses";
import { chatCompletionToSse } from "./chat-stream";
import { responseToSse } from "./responses-stream";
import { SSE_HEADERS } from "./sse";
import type { CacheEntry } from "./store";

export interface Framing {
  stream: boolean;
  includeUsage: boolean;
}

/** Answers from a stored entry in the framing the request asked for, whatever the original was. */
export function replay(entry: CacheEntry, framing: Framing, headers: Record<string, string>): Response {
  if (!framing.stream || entry.kind === "embeddings") {
    return new Response(JSON.stringify(entry.body), {
      headers: { "content-type": "application/json", ...headers },
    });
  }
  const events =
    entry.kind === "chat"
      ? chatCompletionToSse(entry.body as unknown as ChatCompletion, framing.includeUsage)
      : responseToSse(entry.body as unknown as OpenAIResponse);
  return new Response(events.join(""), { headers: { ...SSE_HEADERS, ...headers } });
}
