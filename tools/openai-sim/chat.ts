/**
 * `POST /v1/chat/completions`: a `chat.completion` object, or the same answer as SSE
 * `chat.completion.chunk`s ending with `data: [DONE]`.
 * @see docs/openai-reference.md C.1 and C.2
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessage,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { type ChatRequest, parseChatRequest } from "./chat-request";
import { chatChunks } from "./chat-stream";
import type { JsonObject } from "./errors";
import { type Generated, generate, renderPromptTokens } from "./generate";
import { json, type Reply, type Route } from "./http";
import { logprobSeed, tokenLogprobs } from "./logprobs";
import { type CacheUse, reportsCacheWrites } from "./prompt-cache";
import type { SimStore } from "./store";
import { hashHex, nowSeconds, randomId } from "./text";

export interface ChatResult {
  req: ChatRequest;
  id: string;
  created: number;
  choices: Generated[];
  usage: CompletionUsage;
  fingerprint: string;
}

export function systemFingerprint(model: string): string {
  return `fp_${hashHex(model, 10)}`;
}

function usageOf(
  choices: readonly Generated[],
  promptTokens: number,
  cache: CacheUse,
  reportsWrites: boolean,
): CompletionUsage {
  const completion = choices.reduce((sum, c) => sum + c.completionTokens, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    // GPT-5.6 and later report prefix-cache writes beside reads (docs/openai-reference.md G).
    prompt_tokens_details: {
      cached_tokens: cache.cached,
      audio_tokens: 0,
      ...(reportsWrites ? { cache_write_tokens: cache.written } : {}),
    },
    completion_tokens_details: {
      reasoning_tokens: choices.reduce((sum, c) => sum + c.reasoningTokens, 0),
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Answers a chat request; `adjust` lets another persona (open-weight.ts) serve its own models. */
export function runChat(store: SimStore, body: JsonObject, adjust?: (req: ChatRequest) => void): ChatResult {
  const req = parseChatRequest(store, body);
  adjust?.(req);
  const prompt = renderPromptTokens(req.generation);
  const cache = store.promptCache.use(req.promptCacheKey, req.model.base, prompt, req.promptCache);
  const choices = Array.from({ length: req.n }, (_, i) => generate(req.generation, i));
  return {
    req,
    id: randomId("chatcmpl-", 29),
    created: nowSeconds(),
    choices,
    usage: usageOf(choices, prompt.length, cache, reportsCacheWrites(req.model.base)),
    fingerprint: systemFingerprint(req.model.base),
  };
}

export function messageOf(choice: Generated): ChatCompletionMessage {
  const message: ChatCompletionMessage = {
    role: "assistant",
    content: choice.content,
    refusal: choice.refusal,
    annotations: [],
  };
  if (choice.toolCalls.length > 0) {
    message.tool_calls = choice.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return message;
}

export function completionOf(result: ChatResult): ChatCompletion {
  const { req } = result;
  return {
    id: result.id,
    object: "chat.completion",
    created: result.created,
    model: req.model.id,
    choices: result.choices.map((choice, index) => ({
      index,
      message: messageOf(choice),
      logprobs: req.logprobs
        ? {
            content:
              choice.content === null
                ? null
                : tokenLogprobs(choice.content, req.topLogprobs, logprobSeed(result, index)),
            refusal: null,
          }
        : null,
      finish_reason: choice.finishReason,
    })),
    usage: result.usage,
    service_tier: req.serviceTier,
    system_fingerprint: result.fingerprint,
  };
}

export function chatReply(result: ChatResult): Reply {
  if (!result.req.stream) return json(completionOf(result));
  const chunks: ChatCompletionChunk[] = chatChunks(result);
  const events = chunks.map((chunk) => ({ data: JSON.stringify(chunk) }));
  events.push({ data: "[DONE]" });
  return { kind: "sse", events };
}

export const chatRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/chat\/completions$/,
    rateLimited: true,
    handler: async (ctx) => chatReply(runChat(ctx.store, await ctx.readJson())),
  },
];
