/**
 * Token accounting for simulated responses. Every turn re-reads the whole context as input; text is
 * four characters per token, audio one token per 50 ms, images 85 (low) or 255 tokens. Once input
 * exceeds 1024 tokens, the previous turn's prefix counts as cached (in 64-token steps).
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events/response/done
 */
import type { RateLimitsUpdatedEvent, RealtimeResponseUsage } from "openai/resources/realtime/realtime";
import { audioTokens, textTokens } from "./realtime-audio";
import type { Conversation } from "./realtime-conversation";
import type { SimItem } from "./realtime-types";

export interface TokenCounts {
  text: number;
  audio: number;
  image: number;
}

const CACHE_MINIMUM_TOKENS = 1024;
const CACHE_STEP_TOKENS = 64;
const TOKENS_PER_MINUTE = 40_000;
const REQUESTS_PER_MINUTE = 5_000;

function itemTokens(item: SimItem, conversation: Conversation, counts: TokenCounts): void {
  if (item.type === "function_call") counts.text += textTokens(item.name + item.arguments);
  if (item.type === "function_call_output") counts.text += textTokens(item.output);
  if (item.type !== "message") return;
  const audio = conversation.audioOf(item.id);
  for (const part of item.content) {
    if (part.type === "input_image") counts.image += "detail" in part && part.detail === "low" ? 85 : 255;
    else if ((part.type === "input_audio" || part.type === "output_audio") && audio)
      counts.audio += audioTokens(audio.ms);
    else counts.text += textTokens(part.text ?? ("transcript" in part ? part.transcript : "") ?? "");
  }
}

/** Input tokens of one turn: instructions, tool definitions and every context item. */
export function countInput(
  context: readonly SimItem[],
  conversation: Conversation,
  instructions: string,
  tools: readonly unknown[],
): TokenCounts {
  const counts: TokenCounts = { text: textTokens(instructions), audio: 0, image: 0 };
  if (tools.length > 0) counts.text += textTokens(JSON.stringify(tools));
  for (const item of context) itemTokens(item, conversation, counts);
  return counts;
}

function total(counts: TokenCounts): number {
  return counts.text + counts.audio + counts.image;
}

/** `response.usage`; `cachedPrefix` is the previous turn's input + output token count. */
export function buildUsage(
  input: TokenCounts,
  output: TokenCounts,
  cachedPrefix: number,
): RealtimeResponseUsage {
  const inputTokens = total(input);
  const cacheable = inputTokens > CACHE_MINIMUM_TOKENS && cachedPrefix > CACHE_MINIMUM_TOKENS;
  const cached = cacheable
    ? Math.floor(Math.min(cachedPrefix, inputTokens) / CACHE_STEP_TOKENS) * CACHE_STEP_TOKENS
    : 0;
  const cachedText = Math.min(cached, input.text);
  const cachedAudio = Math.min(cached - cachedText, input.audio);
  const outputTokens = output.text + output.audio;
  return {
    total_tokens: inputTokens + outputTokens,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    input_token_details: {
      text_tokens: input.text,
      audio_tokens: input.audio,
      image_tokens: input.image,
      cached_tokens: cached,
      cached_tokens_details: {
        text_tokens: cachedText,
        audio_tokens: cachedAudio,
        image_tokens: cached - cachedText - cachedAudio,
      },
    },
    output_token_details: { text_tokens: output.text, audio_tokens: output.audio },
  };
}

/** The limits sent in `rate_limits.updated` when a response starts (its output reserved). */
export function rateLimits(reservedTokens: number): RateLimitsUpdatedEvent.RateLimit[] {
  return [
    {
      name: "requests",
      limit: REQUESTS_PER_MINUTE,
      remaining: REQUESTS_PER_MINUTE - 1,
      reset_seconds: 0.012,
    },
    {
      name: "tokens",
      limit: TOKENS_PER_MINUTE,
      remaining: Math.max(0, TOKENS_PER_MINUTE - reservedTokens),
      reset_seconds: Number(((reservedTokens / TOKENS_PER_MINUTE) * 60).toFixed(3)),
    },
  ];
}
