/**
 * The simulated model, shared by Chat Completions and Responses: from a normalised conversation it
 * derives a deterministic answer (prose, JSON, a refusal, or tool calls), then applies `stop` and the
 * token budget. Same request → same answer; the model name, seed and temperature change the wording.
 */
import { extractNumbers, extractPhrases, fillSchema } from "./schema-fill";
import { composeReply, hash32, hashHex, tokenize, truncateTokens } from "./text";

export type SimRole = "system" | "developer" | "user" | "assistant" | "tool" | "function";

export interface SimToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SimMessage {
  role: SimRole;
  /** The text parts joined with newlines. */
  text: string;
  /** Image URLs (or data URLs) in the message, in order. */
  images: string[];
  toolCallId?: string;
  toolCalls?: SimToolCall[];
}

export interface SimTool {
  name: string;
  description: string;
  parameters: unknown;
}

export type SimToolChoice = "none" | "auto" | "required" | { name: string };

export type SimFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: unknown };

export interface GenerationRequest {
  /** The model whose voice writes the answer (a fine-tuned model's base). */
  model: string;
  messages: SimMessage[];
  tools: SimTool[];
  toolChoice: SimToolChoice;
  parallelToolCalls: boolean;
  format: SimFormat;
  stop: string[];
  /** Budget for the whole completion, reasoning included; null = unlimited. */
  maxTokens: number | null;
  seed: number | null;
  temperature: number;
  reasoning: boolean;
  /** An answer a fine-tuned model learned for exactly this conversation. */
  memorized?: { content: string | null; toolCalls: SimToolCall[] };
}

export interface Generated {
  content: string | null;
  refusal: string | null;
  toolCalls: SimToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  /** Visible tokens plus reasoning tokens. */
  completionTokens: number;
  reasoningTokens: number;
}

const IMAGE_TOKENS = 85;
export const REFUSAL_TEXT = "I'm sorry, but I can't help with that request.";

/** The prompt as tokens: tool definitions and output schema first (as OpenAI renders them), then messages. */
export function renderPromptTokens(req: GenerationRequest): string[] {
  const tokens: string[] = [];
  if (req.tools.length > 0) tokens.push(...tokenize(`<|tools|>${JSON.stringify(req.tools)}`));
  if (req.format.type === "json_schema")
    tokens.push(...tokenize(`<|schema|>${JSON.stringify(req.format.schema)}`));
  for (const message of req.messages) {
    tokens.push(`<|${message.role}|>`, ...tokenize(message.text));
    for (const url of message.images) {
      const h = hashHex(url, 12);
      for (let i = 0; i < IMAGE_TOKENS; i++) tokens.push(`<|image:${h}:${i}|>`);
    }
    if (message.toolCalls) tokens.push(...tokenize(JSON.stringify(message.toolCalls)));
    tokens.push("<|end|>");
  }
  tokens.push("<|assistant|>");
  return tokens;
}

/** A key that changes with anything that changes the answer. */
export function conversationKey(messages: readonly SimMessage[]): string {
  return JSON.stringify(
    messages.map((m) => [m.role, m.text, m.images, m.toolCallId ?? null, m.toolCalls ?? null]),
  );
}

export function generate(req: GenerationRequest, choiceIndex: number): Generated {
  const key = `${conversationKey(req.messages)}|${req.seed ?? ""}|${req.temperature}|${choiceIndex}`;
  const reasoningTokens = req.reasoning ? 64 * (1 + (hash32(req.model, key) % 4)) : 0;
  if (req.maxTokens !== null && reasoningTokens >= req.maxTokens) {
    return answer({ content: "", truncated: true }, [], null, req.maxTokens);
  }
  const budget = req.maxTokens === null ? null : req.maxTokens - reasoningTokens;
  const last = req.messages.at(-1);
  if (req.memorized) {
    if (req.memorized.toolCalls.length > 0)
      return answer(null, req.memorized.toolCalls, null, reasoningTokens);
    return answer(finishText(req.memorized.content ?? "", req.stop, budget), [], null, reasoningTokens);
  }
  if (last?.role === "user" && /\brefus(e|al)\b/i.test(last.text)) {
    return answer(null, [], REFUSAL_TEXT, reasoningTokens);
  }
  const calls = chooseTools(req, last).map((tool, i) => makeCall(req, tool, key, i));
  if (calls.length > 0) return answer(null, calls, null, reasoningTokens);
  const prose =
    last?.role === "tool" ? toolAnswer(req.messages) : composeReply(req.model, lastUserText(req), key);
  return answer(finishText(formatAnswer(req, prose), req.stop, budget), [], null, reasoningTokens);
}

function answer(
  text: { content: string; truncated: boolean } | null,
  toolCalls: SimToolCall[],
  refusal: string | null,
  reasoningTokens: number,
): Generated {
  let visible = tokenize(text?.content ?? refusal ?? "").length;
  for (const call of toolCalls) visible += tokenize(call.name + call.arguments).length + 3;
  const finishReason = text?.truncated ? "length" : toolCalls.length > 0 ? "tool_calls" : "stop";
  return {
    content: text?.content ?? null,
    refusal,
    toolCalls,
    finishReason,
    completionTokens: visible + reasoningTokens,
    reasoningTokens,
  };
}

/** Cuts at the first stop sequence, then at the token budget. */
function finishText(
  text: string,
  stop: readonly string[],
  budget: number | null,
): { content: string; truncated: boolean } {
  let content = text;
  for (const sequence of stop) {
    const at = content.indexOf(sequence);
    if (sequence && at !== -1) content = content.slice(0, at);
  }
  if (budget === null) return { content, truncated: false };
  const cut = truncateTokens(content, budget);
  return { content: cut.text, truncated: cut.truncated };
}

function lastUserText(req: GenerationRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const message = req.messages[i];
    if (message?.role === "user") return message.text;
  }
  return "";
}

function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const spaced = escaped.replace(/_/g, "[ _]");
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${spaced}($|[^\\p{L}\\p{N}_])`, "iu").test(text);
}

function chooseTools(req: GenerationRequest, last: SimMessage | undefined): SimTool[] {
  if (req.tools.length === 0 || req.toolChoice === "none") return [];
  const forced = req.toolChoice;
  if (typeof forced === "object") return req.tools.filter((t) => t.name === forced.name).slice(0, 1);
  const text = last?.role === "user" ? last.text : "";
  const named = req.tools.filter((t) => mentions(text, t.name));
  if (named.length > 0) return req.parallelToolCalls ? named : named.slice(0, 1);
  const asks = /\b(call|use|invoke|run)\b.*\b(tools?|functions?)\b/i.test(text);
  const first = req.tools[0];
  return first && (req.toolChoice === "required" || asks) ? [first] : [];
}

function makeCall(req: GenerationRequest, tool: SimTool, key: string, index: number): SimToolCall {
  const text = lastUserText(req);
  const source = {
    reply: text,
    phrases: extractPhrases(
      text,
      req.tools.map((t) => t.name),
    ),
    numbers: extractNumbers(text),
  };
  const args = fillSchema(tool.parameters ?? { type: "object", properties: {} }, source);
  const id = deterministicId("call_", `${req.model}|${key}|${tool.name}|${index}`);
  return { id, name: tool.name, arguments: JSON.stringify(args ?? {}) };
}

/** Same-request tool-call ids stay equal, so a stream assembles to exactly the non-stream message. */
export function deterministicId(prefix: string, seed: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const hex = hashHex(seed, 48);
  let out = prefix;
  for (let i = 0; i < 48; i += 2) out += alphabet[Number.parseInt(hex.slice(i, i + 2), 16) % alphabet.length];
  return out;
}

function summarize(content: string): string {
  try {
    const value: unknown = JSON.parse(content);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const pairs = Object.entries(value)
        .filter(([, v]) => typeof v !== "object" || v === null)
        .slice(0, 6)
        .map(([k, v]) => `${k.replace(/_/g, " ")} is ${String(v)}`);
      if (pairs.length > 0) return pairs.join(", ");
    }
  } catch {
    // Not JSON: quote the text itself.
  }
  return content.split(/\s+/).slice(0, 40).join(" ");
}

/** An answer built from the trailing `tool` messages, naming the function that produced each. */
function toolAnswer(messages: readonly SimMessage[]): string {
  const results: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]?.role === "tool"; i--) {
    const message = messages[i];
    if (!message) break;
    const call = messages
      .slice(0, i)
      .flatMap((m) => m.toolCalls ?? [])
      .find((c) => c.id === message.toolCallId);
    results.unshift(`according to ${call?.name ?? "the tool"}, ${summarize(message.text)}`);
  }
  const sentence = results.join("; and ");
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

function formatAnswer(req: GenerationRequest, prose: string): string {
  const format = req.format;
  if (format.type === "text") return prose;
  const text = lastUserText(req);
  if (format.type === "json_object")
    return JSON.stringify({ answer: prose, topic: extractPhrases(text)[0] ?? null });
  const source = { reply: prose, phrases: extractPhrases(text), numbers: extractNumbers(text) };
  return JSON.stringify(fillSchema(format.schema, source));
}
