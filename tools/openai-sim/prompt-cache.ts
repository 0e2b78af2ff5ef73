/**
 * Imitation of OpenAI's automatic prefix caching: prompts of at least 1,024 tokens are remembered per
 * (`prompt_cache_key`, model) as a chain of hashes over 128-token blocks, so a later prompt sharing a
 * prefix reports `cached_tokens` = 1024 + k·128, the largest such value within the common prefix.
 * @see docs/openai-reference.md B
 */
import { BoundedMap } from "./bounded-map";
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

export class PromptCache {
  readonly #prompts = new BoundedMap<string, string[][]>(KEYS);

  /** Returns the cached-token count for `tokens`, then remembers them for later requests. */
  lookupAndStore(cacheKey: string | null | undefined, model: string, tokens: readonly string[]): number {
    if (tokens.length < CACHE_MIN_TOKENS) return 0;
    const key = `${model}\u0000${cacheKey ?? ""}`;
    const chain = blockChain(tokens);
    const earlier = this.#prompts.get(key) ?? [];
    let best = 0;
    for (const other of earlier) best = Math.max(best, commonBlocks(chain, other));
    const cachedTokens = best * CACHE_BLOCK_TOKENS >= CACHE_MIN_TOKENS ? best * CACHE_BLOCK_TOKENS : 0;
    const kept = earlier.filter((other) => commonBlocks(chain, other) < other.length);
    kept.push(chain);
    this.#prompts.set(key, kept.slice(-PROMPTS_PER_KEY));
    return cachedTokens;
  }

  clear(): void {
    this.#prompts.clear();
  }
}
