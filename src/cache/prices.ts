/** USD per 1M tokens. */
export interface Price {
  input: number;
  cached_input?: number | undefined;
  /** Prompt tokens written to the provider's prefix cache; 1.25x `input` when not listed. */
  cache_write_input?: number | undefined;
  output: number;
}

/**
 * Cache writes (usage `cache_write_tokens`, reported by GPT-5.6 and later) cost this much of the
 * uncached input price. @see docs/openai-reference.md G (prompt caching)
 */
export const CACHE_WRITE_INPUT_FACTOR = 1.25;

/**
 * List prices used to value cache savings; tenants override them with `settings.cache.prices`.
 * @see https://openai.com/api/pricing/ and docs/openai-reference.md B (cached-input discounts)
 */
export const PRICES: Record<string, Price> = {
  "gpt-4o": { input: 2.5, cached_input: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cached_input: 0.075, output: 0.6 },
  "gpt-4.1": { input: 2, cached_input: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cached_input: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cached_input: 0.025, output: 0.4 },
  "gpt-5": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cached_input: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cached_input: 0.005, output: 0.4 },
  "text-embedding-3-small": { input: 0.02, output: 0 },
  "text-embedding-3-large": { input: 0.13, output: 0 },
  "text-embedding-ada-002": { input: 0.1, output: 0 },
};

/** The price of a model: an override, else the longest listed prefix (dated snapshots, `ft:` models). */
export function priceOf(model: string, overrides: Record<string, Price> = {}): Price | null {
  const name = model.startsWith("ft:") ? (model.split(":")[1] ?? model) : model;
  for (const table of [overrides, PRICES]) {
    if (table[model]) return table[model];
    let best: string | null = null;
    for (const key of Object.keys(table)) {
      if (name.startsWith(key) && (best === null || key.length > best.length)) best = key;
    }
    if (best) return table[best] ?? null;
  }
  return null;
}

/** Token counts of an answer, from any of the three usage shapes. */
export interface TokenUsage {
  input: number;
  output: number;
  cachedInput: number;
  /** Prompt tokens written to the provider's prefix cache (part of `input`, billed at the write price). */
  cacheWriteInput: number;
}

const cacheWritePrice = (price: Price) => price.cache_write_input ?? price.input * CACHE_WRITE_INPUT_FACTOR;

/** What the answer cost: plain, cached-read and cache-write prompt tokens each at their price, and the output. */
export function costUsd(usage: TokenUsage, price: Price | null): number {
  if (!price) return 0;
  const writes = Math.min(usage.cacheWriteInput, Math.max(0, usage.input - usage.cachedInput));
  const uncached = usage.input - usage.cachedInput - writes;
  const cached = usage.cachedInput * (price.cached_input ?? price.input);
  const written = writes * cacheWritePrice(price);
  return (uncached * price.input + cached + written + usage.output * price.output) / 1_000_000;
}

/** What cache writes cost above the plain input price (the premium of writing the prefix cache). */
export function cacheWriteExtraUsd(usage: TokenUsage, price: Price | null): number {
  if (!price || usage.cacheWriteInput <= 0) return 0;
  return (usage.cacheWriteInput * (cacheWritePrice(price) - price.input)) / 1_000_000;
}

/** Reads chat (`prompt_tokens`), responses (`input_tokens`) and embeddings usage alike. */
export function usageOf(body: Record<string, unknown>): TokenUsage {
  const u = (body.usage ?? {}) as Record<string, unknown>;
  const details = (u.prompt_tokens_details ?? u.input_tokens_details ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  return {
    input: num(u.prompt_tokens ?? u.input_tokens),
    output: num(u.completion_tokens ?? u.output_tokens),
    cachedInput: num(details.cached_tokens),
    cacheWriteInput: num(details.cache_write_tokens),
  };
}
