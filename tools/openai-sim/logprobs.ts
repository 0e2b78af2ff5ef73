/** Deterministic `logprobs` for simulated completions (the chosen token always ranks first). */
import type { ChatCompletionTokenLogprob } from "openai/resources/chat/completions";
import type { ChatResult } from "./chat";
import { hash32, tokenize } from "./text";

const ALTERNATIVES = [" the", " a", ",", " and", " of", ".", " to", " is"] as const;

/** Deterministic per-token log probabilities for `text` (first token of the list is the chosen one). */
export function tokenLogprobs(text: string, topN: number, seed: string): ChatCompletionTokenLogprob[] {
  return tokenize(text).map((token, i) => {
    const logprob = -((hash32(seed, token, String(i)) % 1500) / 1000);
    const top = [{ token, logprob, bytes: [...Buffer.from(token)] }];
    for (let k = 1; k < topN; k++) {
      const alt = ALTERNATIVES[(i + k) % ALTERNATIVES.length] ?? " the";
      top.push({ token: alt, logprob: logprob - k - 0.5, bytes: [...Buffer.from(alt)] });
    }
    return { token, logprob, bytes: [...Buffer.from(token)], top_logprobs: top.slice(0, topN) };
  });
}

export function logprobSeed(result: ChatResult, index: number): string {
  return `${result.req.model.base}|${index}`;
}
