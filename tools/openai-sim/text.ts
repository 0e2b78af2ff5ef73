/**
 * Deterministic text helpers of the simulator: a lossless toy tokenizer (words split into pieces of at
 * most six letters, digits in groups of three, one token per punctuation mark, like a BPE vocabulary
 * roughly four characters per token), stable hashes, and the sentence generator behind every answer.
 */
import { createHash, randomBytes } from "node:crypto";

/** Joined back together the tokens give the exact input, as with OpenAI's tokenizers. */
const TOKEN_PATTERN = / ?\p{L}{1,6}| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]|\s+(?!\S)|\s+/gu;
const WORD_PATTERN = /[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN_PATTERN) ?? [];
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** Keeps the first `max` tokens of `text`. */
export function truncateTokens(text: string, max: number): { text: string; truncated: boolean } {
  const tokens = tokenize(text);
  if (tokens.length <= max) return { text, truncated: false };
  return { text: tokens.slice(0, Math.max(0, max)).join(""), truncated: true };
}

/** FNV-1a over the parts (separated by NUL), as an unsigned 32-bit integer. */
export function hash32(...parts: string[]): number {
  let h = 0x811c9dc5;
  const input = parts.join("\u0000");
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hashHex(input: string, length: number): string {
  return createHash("sha256").update(input).digest("hex").slice(0, length);
}

export function pick<T>(items: readonly T[], h: number): T {
  const item = items[(h >>> 0) % items.length];
  if (item === undefined) throw new Error("pick() from an empty list");
  return item;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random identifier such as `chatcmpl-AbC…`, in OpenAI's styles. */
export function randomId(prefix: string, length = 24, alphabet = ALPHANUMERIC): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

export function randomHexId(prefix: string, length = 32): string {
  return (
    prefix +
    randomBytes(Math.ceil(length / 2))
      .toString("hex")
      .slice(0, length)
  );
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function words(text: string): string[] {
  return text.match(WORD_PATTERN) ?? [];
}

export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an the and or but if then so of to in on at by for with from as is are was were be been being do does " +
    "did i me my you your we our they their it its this that these those what which who whom how why when where " +
    "can could would should will shall may might must please tell give show about into over than just also not no " +
    "yes hi hello hey there here some any all"
  ).split(" "),
);

/** Up to `limit` lowercase words of `text` that carry meaning (stopwords dropped, order kept). */
export function contentWords(text: string, limit = 5): string[] {
  const seen = new Set<string>();
  for (const word of words(text.toLowerCase())) {
    if (STOPWORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
    if (seen.size >= limit) break;
  }
  return [...seen];
}

const OPENERS = [
  "Sure.",
  "Certainly.",
  "Good question.",
  "Here is a brief answer.",
  "Happy to help.",
  "In short:",
  "Let me explain.",
  "Of course.",
] as const;

const BODIES = [
  "The key point about {t} is that it depends on the context you are working in.",
  "When it comes to {t}, the simplest explanation is usually the most useful one.",
  "Thinking about {t}, there are a few details worth keeping in mind.",
  "Regarding {t}, the answer is fairly straightforward once the basics are clear.",
  "On the subject of {t}, most people start with the fundamentals and build from there.",
  "For {t}, a careful step by step approach tends to work best.",
  "About {t}: the short version is that it is well understood and widely documented.",
  "As for {t}, it helps to compare a couple of concrete examples.",
] as const;

const DETAILS = [
  "A good first step is to write down what you already know.",
  "Small experiments make the trade-offs easy to see.",
  "The same idea applies to many related problems.",
  "Checking the edge cases early saves time later.",
  "Clear names and simple structure go a long way.",
  "It is worth measuring before optimising anything.",
] as const;

const CLOSERS = [
  "Let me know if you want more detail.",
  "I hope this helps.",
  "Feel free to ask a follow-up question.",
  "Tell me if you would like an example.",
] as const;

/**
 * A short deterministic answer: words of `prompt` fill a sentence picked by a hash of `key` (which
 * should include the model and the whole conversation). Smaller models (`mini`, `nano`) answer shorter.
 */
export function composeReply(model: string, prompt: string, key: string): string {
  const topic = contentWords(prompt).join(" ") || "your message";
  const h = hash32(model, key);
  const opener = pick(OPENERS, h ^ hash32(model));
  const body = pick(BODIES, h >>> 3).replace("{t}", topic);
  const parts = [opener, body];
  if (!/nano/.test(model)) parts.push(pick(DETAILS, h >>> 7));
  if (!/mini|nano/.test(model)) parts.push(pick(CLOSERS, h >>> 11));
  return parts.join(" ");
}

/** Splits `text` into pieces of `tokensPerPiece` tokens, for streaming. */
export function splitPieces(text: string, tokensPerPiece = 3): string[] {
  const tokens = tokenize(text);
  const pieces: string[] = [];
  for (let i = 0; i < tokens.length; i += tokensPerPiece) {
    pieces.push(tokens.slice(i, i + tokensPerPiece).join(""));
  }
  return pieces;
}
