/**
 * Splits a simulated chat answer into `chat.completion.chunk`s the way OpenAI streams them: a first
 * delta with `role`, content in few-token pieces, tool-call argument fragments keyed by `index` (id,
 * type and name only on the first fragment), a finish chunk, and the optional usage chunk.
 * @see docs/openai-reference.md C.2
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ChatResult } from "./chat";
import type { Generated } from "./generate";
import { logprobSeed, tokenLogprobs } from "./logprobs";
import { randomId, splitPieces } from "./text";

/** OpenAI adds `obfuscation` (random padding) to chunks; the SDK types do not list it yet. */
type WireChunk = ChatCompletionChunk & { obfuscation?: string };
type Delta = ChatCompletionChunk.Choice.Delta;

const TOKENS_PER_PIECE = 3;

function obfuscation(): string {
  return randomId("", 1 + Math.floor(Math.random() * 15));
}

function choiceDeltas(choice: Generated): Delta[] {
  const deltas: Delta[] = [];
  if (choice.toolCalls.length > 0) {
    choice.toolCalls.forEach((call, index) => {
      const first = {
        index,
        id: call.id,
        type: "function" as const,
        function: { name: call.name, arguments: "" },
      };
      if (index === 0) deltas.push({ role: "assistant", content: null, tool_calls: [first], refusal: null });
      else deltas.push({ tool_calls: [first] });
      for (const piece of splitPieces(call.arguments, TOKENS_PER_PIECE)) {
        deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
      }
    });
    return deltas;
  }
  if (choice.refusal !== null) {
    deltas.push({ role: "assistant", content: null, refusal: "" });
    for (const piece of splitPieces(choice.refusal, TOKENS_PER_PIECE)) deltas.push({ refusal: piece });
    return deltas;
  }
  deltas.push({ role: "assistant", content: "", refusal: null });
  for (const piece of splitPieces(choice.content ?? "", TOKENS_PER_PIECE)) deltas.push({ content: piece });
  return deltas;
}

export function chatChunks(result: ChatResult): WireChunk[] {
  const { req } = result;
  const base = {
    id: result.id,
    object: "chat.completion.chunk" as const,
    created: result.created,
    model: req.model.id,
    service_tier: req.serviceTier,
    system_fingerprint: result.fingerprint,
  };
  const chunks: WireChunk[] = [];
  const push = (choices: ChatCompletionChunk.Choice[], usage?: ChatCompletionChunk["usage"]): void => {
    const chunk: WireChunk = { ...base, choices };
    if (req.includeUsage) chunk.usage = usage ?? null;
    if (req.includeObfuscation) chunk.obfuscation = obfuscation();
    chunks.push(chunk);
  };
  result.choices.forEach((choice, index) => {
    const logprobs = req.logprobs
      ? tokenLogprobs(choice.content ?? "", req.topLogprobs, logprobSeed(result, index))
      : [];
    let consumed = 0;
    for (const delta of choiceDeltas(choice)) {
      let chunkLogprobs: ChatCompletionChunk.Choice.Logprobs | null = null;
      if (req.logprobs && typeof delta.content === "string" && delta.role === undefined) {
        chunkLogprobs = { content: logprobs.slice(consumed, consumed + TOKENS_PER_PIECE), refusal: null };
        consumed += TOKENS_PER_PIECE;
      }
      push([{ index, delta, logprobs: chunkLogprobs, finish_reason: null }]);
    }
    push([{ index, delta: {}, logprobs: null, finish_reason: choice.finishReason }]);
  });
  if (req.includeUsage) push([], result.usage);
  return chunks;
}
