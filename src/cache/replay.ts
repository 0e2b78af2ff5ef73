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

/** Serialised bodies of entries replayed as JSON, so a hot entry is stringified once. */
const jsonText = new WeakMap<CacheEntry, string>();

function bodyText(entry: CacheEntry): string {
  let text = jsonText.get(entry);
  if (text === undefined) {
    text = JSON.stringify(entry.body);
    jsonText.set(entry, text);
  }
  return text;
}

/** Answers from a stored entry in the framing the request asked for, whatever the original was. */
export function replay(entry: CacheEntry, framing: Framing, headers: Record<string, string>): Response {
  if (!framing.stream || entry.kind === "embeddings") {
    return new Response(bodyText(entry), {
      headers: { "content-type": "application/json", ...headers },
    });
  }
  const events =
    entry.kind === "chat"
      ? chatCompletionToSse(entry.body as unknown as ChatCompletion, framing.includeUsage)
      : responseToSse(entry.body as unknown as OpenAIResponse);
  return new Response(events.join(""), { headers: { ...SSE_HEADERS, ...headers } });
}
