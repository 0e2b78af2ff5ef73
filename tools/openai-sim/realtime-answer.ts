/**
 * What the simulated model says: a deterministic answer derived from the last user input, a
 * function call when a tool is named (or forced), or a sentence built from a tool's output.
 * @see https://platform.openai.com/docs/guides/realtime-conversations#function-calling
 */
import type { RealtimeFunctionTool, RealtimeToolChoiceConfig } from "openai/resources/realtime/realtime";
import type { SimItem } from "./realtime-types";
import { isRecord } from "./realtime-validate";

export interface FunctionCallAnswer {
  name: string;
  arguments: string;
}

/** A message, or one or more function calls in one response (parallel calls, as the API makes them). */
export type Answer =
  | { kind: "message"; text: string }
  | { kind: "function_calls"; calls: FunctionCallAnswer[] };

/** Resolves the transcript the model "hears" for an audio part without one. */
export type HearAudio = (itemId: string | undefined) => string;

const MAX_ANSWER_WORDS = 80;
const GREETING = "Hello! How can I help you today?";
const STOPWORDS = new Set(
  "a an and are at be call can could do does for from get how i in is it me my of on or please run the to use what whats with would you".split(
    " ",
  ),
);

/** The text of a user message: typed text, transcripts (or what the audio "sounds like"), images. */
export function userText(item: SimItem, hear: HearAudio): string {
  if (item.type !== "message" || item.role !== "user") return "";
  const parts = item.content.map((part) => {
    if (part.type === "input_text") return part.text ?? "";
    if (part.type === "input_audio") return part.transcript ?? hear(item.id);
    return "an image";
  });
  return parts.filter((text) => text.length > 0).join(" ");
}

function limitWords(text: string): string {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  return words.length <= MAX_ANSWER_WORDS
    ? words.join(" ")
    : `${words.slice(0, MAX_ANSWER_WORDS).join(" ")}…`;
}

function describeOutput(output: string): string {
  try {
    const value: unknown = JSON.parse(output);
    if (!isRecord(value)) return String(value);
    const pairs = Object.entries(value).map(([key, field]) => {
      const shown = typeof field === "object" && field !== null ? JSON.stringify(field) : String(field);
      return `${key.replaceAll("_", " ")} ${shown}`;
    });
    return pairs.join(", ");
  } catch {
    return output;
  }
}

function functionTools(tools: readonly unknown[]): RealtimeFunctionTool[] {
  return tools.filter(
    (t): t is RealtimeFunctionTool => isRecord(t) && t.type === "function" && typeof t.name === "string",
  );
}

/** Where `tool` is named in `lower` (its name, or the name with spaces), or -1. */
function mentionAt(tool: RealtimeFunctionTool, lower: string): number {
  const name = (tool.name ?? "").toLowerCase();
  if (name.length === 0) return -1;
  const at = lower.indexOf(name);
  return at >= 0 ? at : lower.indexOf(name.replaceAll("_", " "));
}

/** The tools to call: a forced one, else every tool the text names (in the order named). */
function pickTools(
  tools: RealtimeFunctionTool[],
  choice: RealtimeToolChoiceConfig,
  text: string,
): RealtimeFunctionTool[] {
  if (choice === "none") return [];
  if (typeof choice === "object" && choice.type === "function") {
    return [tools.find((t) => t.name === choice.name) ?? { type: "function", name: choice.name }];
  }
  const lower = text.toLowerCase();
  const named = tools
    .map((tool) => ({ tool, at: mentionAt(tool, lower) }))
    .filter((entry) => entry.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((entry) => entry.tool);
  if (named.length > 0) return named;
  return choice === "required" && tools[0] ? [tools[0]] : [];
}

interface Words {
  strings: string[];
  numbers: number[];
}

function fillValue(schema: unknown, key: string, words: Words, text: string): unknown {
  const spec = isRecord(schema) ? schema : {};
  if (Array.isArray(spec.enum) && spec.enum.length > 0) {
    return (
      spec.enum.find((v) => typeof v === "string" && text.toLowerCase().includes(v.toLowerCase())) ??
      spec.enum[0]
    );
  }
  switch (spec.type) {
    case "number":
      return words.numbers.shift() ?? 1;
    case "integer":
      return Math.round(words.numbers.shift() ?? 1);
    case "boolean":
      return true;
    case "array":
      return [fillValue(spec.items, key, words, text)];
    case "object": {
      const properties = isRecord(spec.properties) ? spec.properties : {};
      const out: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(properties)) out[name] = fillValue(child, name, words, text);
      return out;
    }
    default:
      return words.strings.shift() ?? key;
  }
}

/** Arguments from the tool's JSON schema: strings from the user's words, numbers from its numbers. */
export function fillArguments(tool: RealtimeFunctionTool, text: string): string {
  const nameParts = new Set((tool.name ?? "").toLowerCase().split(/[_\W]+/));
  const tokens = text.match(/[\p{L}][\p{L}'-]*/gu) ?? [];
  const candidates = tokens.filter((w) => !STOPWORDS.has(w.toLowerCase()) && !nameParts.has(w.toLowerCase()));
  const capitalised = candidates.filter((w) => /^\p{Lu}/u.test(w));
  const strings = [...capitalised, ...candidates.filter((w) => !/^\p{Lu}/u.test(w))];
  const numbers = (text.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  const schema = isRecord(tool.parameters) ? tool.parameters : { type: "object", properties: {} };
  return JSON.stringify(fillValue({ ...schema, type: "object" }, "value", { strings, numbers }, text));
}

/** "The <fn> result is …." for each output in the trailing run of `function_call_output` items ending at `last`. */
function describeOutputs(context: readonly SimItem[], last: number): string {
  let first = last;
  while (first > 0 && context[first - 1]?.type === "function_call_output") first--;
  const sentences = context.slice(first, last + 1).map((output) => {
    if (output.type !== "function_call_output") return "";
    const call = context.find((item) => item.type === "function_call" && item.call_id === output.call_id);
    const name = call?.type === "function_call" ? call.name : "function";
    return `The ${name} result is ${describeOutput(output.output)}.`;
  });
  return limitWords(sentences.join(" "));
}

/** The answer for `context` (the conversation, or a response's own `input`). */
export function decideAnswer(
  context: readonly SimItem[],
  tools: readonly unknown[],
  toolChoice: RealtimeToolChoiceConfig,
  hear: HearAudio,
): Answer {
  const lastIndex = context.findLastIndex(
    (item) => item.type === "function_call_output" || (item.type === "message" && item.role === "user"),
  );
  const last = context[lastIndex];
  if (last?.type === "function_call_output")
    return { kind: "message", text: describeOutputs(context, lastIndex) };
  const text = last ? userText(last, hear) : "";
  const calls = pickTools(functionTools(tools), toolChoice, text).flatMap((tool) =>
    tool.name ? [{ name: tool.name, arguments: fillArguments(tool, text) }] : [],
  );
  if (calls.length > 0) return { kind: "function_calls", calls };
  return { kind: "message", text: text.length > 0 ? limitWords(`You said: ${text}`) : GREETING };
}
