/**
 * What the simulated model says: a deterministic answer derived from the last user input, a
 * function call when a tool is named (or forced), or a sentence built from a tool's output.
 * @see https://platform.openai.com/docs/guides/realtime-conversations#function-calling
 */
import type { RealtimeFunctionTool, RealtimeToolChoiceConfig } from "openai/resources/realtime/realtime";
import type { SimItem } from "./realtime-types";
import { isRecord } from "./realtime-validate";

export type Answer =
  | { kind: "message"; text: string }
  | { kind: "function_call"; name: string; arguments: string };

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

function pickTool(
  tools: RealtimeFunctionTool[],
  choice: RealtimeToolChoiceConfig,
  text: string,
): RealtimeFunctionTool | null {
  if (choice === "none") return null;
  if (typeof choice === "object" && choice.type === "function") {
    return tools.find((t) => t.name === choice.name) ?? { type: "function", name: choice.name };
  }
  const lower = text.toLowerCase();
  const named = tools.find((t) => {
    const name = (t.name ?? "").toLowerCase();
    return name.length > 0 && (lower.includes(name) || lower.includes(name.replaceAll("_", " ")));
  });
  if (named) return named;
  return choice === "required" ? (tools[0] ?? null) : null;
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

/** The answer for `context` (the conversation, or a response's own `input`). */
export function decideAnswer(
  context: readonly SimItem[],
  tools: readonly unknown[],
  toolChoice: RealtimeToolChoiceConfig,
  hear: HearAudio,
): Answer {
  const last = context.findLast(
    (item) => item.type === "function_call_output" || (item.type === "message" && item.role === "user"),
  );
  if (last?.type === "function_call_output") {
    const call = context.find((item) => item.type === "function_call" && item.call_id === last.call_id);
    const name = call?.type === "function_call" ? call.name : "function";
    return { kind: "message", text: limitWords(`The ${name} result is ${describeOutput(last.output)}.`) };
  }
  const text = last ? userText(last, hear) : "";
  const tool = pickTool(functionTools(tools), toolChoice, text);
  if (tool?.name) return { kind: "function_call", name: tool.name, arguments: fillArguments(tool, text) };
  return { kind: "message", text: text.length > 0 ? limitWords(`You said: ${text}`) : GREETING };
}
