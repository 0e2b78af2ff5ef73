/**
 * Imitation of OpenAI's automatic prefix caching: prompts of at least 1,024 tokens are remembered per
 * (`prompt_cache_key`, model) as a chain of hashes over 128-token blocks, so a later prompt sharing a
 * prefix reports `cached_tokens` = 1024 + k·128, the largest such value within the common prefix.
 * @see docs/openai-reference.md B
 */
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { BoundedMap } from "./bounded-map";
import { badRequest, invalidValue, type JsonObject, optionalEnum, optionalObject } from "./errors";
import { hashHex } from "./text";

export const CACHE_MIN_TOKENS = 1024;
export const CACHE_BLOCK_TOKENS = 128;
const PROMPTS_PER_KEY = 16;
const KEYS = 512;

/** Hash of each 128-token block chained with all blocks before it. */
function blockChain(tokens: readonly string[]): string[] {
  const chain: string[] = [];
  let previous = "";
  for (let end = CACHE_BLOCK_TOKENS; end <= tokens.length; end += CACHE_BLOCK_TOKENS) {
    previous = hashHex(`${previous}\u0000${tokens.slice(end - CACHE_BLOCK_TOKENS, end).join("\u0001")}`, 16);
    chain.push(previous);
  }
  return chain;
}

function commonBlocks(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** The request's prompt-caching fields, as the 2026 API reads them. @see docs/openai-reference.md G */
export interface PromptCacheRequest {
  retention: NonNullable<ChatCompletionCreateParams["prompt_cache_retention"]> | null;
  options: ChatCompletionCreateParams.PromptCacheOptions | null;
  /** Content parts marked with `prompt_cache_breakpoint` (`{mode: "explicit"}`). */
  breakpoints: number;
}

/** GPT-5.6 and later: `prompt_cache_options`, breakpoints and `cache_write_tokens` in usage. */
export function reportsCacheWrites(model: string): boolean {
  const m = /^gpt-(\d+)(?:\.(\d+))?/.exec(model);
  if (!m) return false;
  const major = Number(m[1]);
  return major > 5 || (major === 5 && Number(m[2] ?? 0) >= 6);
}

/** GPT-5.5 and later accept only `24h` retention. */
function onlyExtendedRetention(model: string): boolean {
  const m = /^gpt-(\d+)(?:\.(\d+))?/.exec(model);
  if (!m) return false;
  const major = Number(m[1]);
  return major > 5 || (major === 5 && Number(m[2] ?? 0) >= 5);
}

/**
 * Reads `prompt_cache_retention`, `prompt_cache_options` and counts block breakpoints in `messages`;
 * refuses what G says is refused: both `prompt_cache_options.ttl` and `prompt_cache_retention`, and
 * `in_memory` on GPT-5.5 and later.
 */
export function parsePromptCacheFields(body: JsonObject, model: string): PromptCacheRequest {
  const retention = optionalEnum(body, "prompt_cache_retention", ["in_memory", "24h"] as const) ?? null;
  if (retention === "in_memory" && onlyExtendedRetention(model)) {
    throw invalidValue("prompt_cache_retention", retention, ["24h"]);
  }
  const raw = optionalObject(body, "prompt_cache_options");
  let options: ChatCompletionCreateParams.PromptCacheOptions | null = null;
  if (raw) {
    for (const key of Object.keys(raw)) {
      if (key !== "mode" && key !== "ttl")
        throw badRequest(
          `Unknown parameter: 'prompt_cache_options.${key}'.`,
          `prompt_cache_options.${key}`,
          "unknown_parameter",
        );
    }
    const mode = optionalEnum(raw, "mode", ["implicit", "explicit"] as const, "prompt_cache_options");
    const ttl = optionalEnum(raw, "ttl", ["30m"] as const, "prompt_cache_options");
    if (ttl !== undefined && retention !== null) {
      throw badRequest(
        "'prompt_cache_options.ttl' and 'prompt_cache_retention' cannot be sent together: use 'prompt_cache_options.ttl'.",
        "prompt_cache_options.ttl",
      );
    }
    options = { ...(mode ? { mode } : {}), ...(ttl ? { ttl } : {}) };
  }
  return { retention, options, breakpoints: countBreakpoints(body.messages) };
}

function countBreakpoints(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  let count = 0;
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      const breakpoint = (part as { prompt_cache_breakpoint?: unknown } | null)?.prompt_cache_breakpoint;
      if (breakpoint === undefined || breakpoint === null) continue;
      if ((breakpoint as { mode?: unknown }).mode !== "explicit") {
        throw invalidValue("prompt_cache_breakpoint.mode", (breakpoint as { mode?: unknown }).mode, [
          "explicit",
        ]);
      }
      count++;
    }
  }
  return count;
}

/** What one prompt read from and wrote to the prefix cache, in tokens. */
export interface CacheUse {
  cached: number;
  written: number;
}

export class PromptCache {
  readonly #prompts = new BoundedMap<string, string[][]>(KEYS);

  /** Returns the cached-token count for `tokens`, then remembers them for later requests. */
  lookupAndStore(cacheKey: string | null | undefined, model: string, tokens: readonly string[]): number {
    return this.use(cacheKey, model, tokens).cached;
  }

  /**
   * Reads and writes the cache for `tokens`: `cached` as `lookupAndStore`, `written` the blocks
   * beyond the cached prefix that this prompt stored. In `explicit` mode without breakpoints
   * nothing is read or written (the request does not use prompt caching).
   */
  use(
    cacheKey: string | null | undefined,
    model: string,
    tokens: readonly string[],
    request: PromptCacheRequest = { retention: null, options: null, breakpoints: 0 },
  ): CacheUse {
    if (tokens.length < CACHE_MIN_TOKENS) return { cached: 0, written: 0 };
    if (request.options?.mode === "explicit" && request.breakpoints === 0) return { cached: 0, written: 0 };
    const key = `${model}\u0000${cacheKey ?? ""}`;
    const chain = blockChain(tokens);
    const earlier = this.#prompts.get(key) ?? [];
    let best = 0;
    for (const other of earlier) best = Math.max(best, commonBlocks(chain, other));
    const cachedTokens = best * CACHE_BLOCK_TOKENS >= CACHE_MIN_TOKENS ? best * CACHE_BLOCK_TOKENS : 0;
    const kept = earlier.filter((other) => commonBlocks(chain, other) < other.length);
    kept.push(chain);
    this.#prompts.set(key, kept.slice(-PROMPTS_PER_KEY));
    return { cached: cachedTokens, written: chain.length * CACHE_BLOCK_TOKENS - cachedTokens };
  }

  clear(): void {
    this.#prompts.clear();
  }
}
