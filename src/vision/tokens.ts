/**
 * Training-token estimate of vision examples, from image dimensions and `detail`.
 * @see https://platform.openai.com/docs/guides/images-vision#calculating-costs (tile rule)
 */

/** Tokens of a `detail: low` image, and the base of every image. */
export const LOW_DETAIL_TOKENS = 85;
/** Tokens per 512 px tile at high detail. */
export const TOKENS_PER_TILE = 170;
/** Training price of gpt-4o-2024-08-06, USD per million training tokens. */
export const TRAINING_USD_PER_1M_TOKENS = 25;
/** Rough characters per text token. */
const CHARS_PER_TOKEN = 4;

export type Detail = "auto" | "low" | "high";

/** Tokens of one image: fit in 2048×2048, shortest side down to 768, then 85 + 170 per 512 px tile. */
export function imageTokens(width: number, height: number, detail: Detail): number {
  if (detail === "low") return LOW_DETAIL_TOKENS;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(w, h);
  if (shortest > 768) {
    w *= 768 / shortest;
    h *= 768 / shortest;
  }
  const tiles = Math.ceil(Math.round(w) / 512) * Math.ceil(Math.round(h) / 512);
  return LOW_DETAIL_TOKENS + TOKENS_PER_TILE * tiles;
}

export function textTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Training cost in USD of `tokens` at `usdPerMillion` (gpt-4o-2024-08-06's price by default). */
export function trainingCostUsd(tokens: number, usdPerMillion = TRAINING_USD_PER_1M_TOKENS): number {
  return Math.round((tokens / 1_000_000) * usdPerMillion * 1e6) / 1e6;
}
