/**
 * Fills a JSON Schema with plausible values taken from the user's message: proper nouns and meaningful
 * words for strings, numbers found in the text for numbers. Used for tool-call arguments and for
 * `response_format: json_schema` answers, so they satisfy the schema's required properties.
 */
import { isObject, type JsonObject } from "./errors";
import { contentWords, hash32, pick, STOPWORDS } from "./text";

export interface FillSource {
  /** The prose answer, used for answer-like string properties. */
  reply: string;
  phrases: string[];
  numbers: number[];
}

interface FillState {
  strings: number;
  numbers: number;
}

const ACTION_WORDS = new Set(
  "call use find get check look search book send create make add set run fetch show list tell give what".split(
    " ",
  ),
);
const ANSWER_NAMES =
  /^(answer|response|reply|text|content|summary|explanation|message|description|reasoning|output)$/i;
const MAX_DEPTH = 8;

/** Proper nouns (runs of capitalised words, minus question and action words) then meaningful words. */
export function extractPhrases(text: string, exclude: readonly string[] = []): string[] {
  const phrases: string[] = [];
  const excluded = new Set(exclude.map((e) => e.toLowerCase()));
  for (const match of text.matchAll(/\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)*/gu)) {
    const words = match[0].split(/\s+/).filter((w) => {
      const lower = w.toLowerCase().replace(/'s$/, "");
      return !STOPWORDS.has(lower) && !ACTION_WORDS.has(lower) && !excluded.has(lower);
    });
    if (words.length > 0) phrases.push(words.join(" "));
  }
  for (const word of contentWords(text, 12)) {
    if (excluded.has(word) || ACTION_WORDS.has(word)) continue;
    if (!phrases.some((p) => p.toLowerCase().split(" ").includes(word))) phrases.push(word);
  }
  return phrases;
}

export function extractNumbers(text: string): number[] {
  return [...text.matchAll(/(?<![\p{L}\d.])-?\d+(?:\.\d+)?/gu)].map((m) => Number(m[0]));
}

export function fillSchema(schema: unknown, source: FillSource): unknown {
  return fill(schema, schema, source, { strings: 0, numbers: 0 }, "", 0);
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#/")) return {};
  let node: unknown = root;
  for (const segment of ref.slice(2).split("/")) {
    node = isObject(node) ? node[segment.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return node ?? {};
}

function schemaType(schema: JsonObject): string | undefined {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type))
    return type.find((t): t is string => typeof t === "string" && t !== "null") ?? "null";
  if (isObject(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  return undefined;
}

function fill(
  schema: unknown,
  root: unknown,
  src: FillSource,
  st: FillState,
  name: string,
  depth: number,
): unknown {
  if (!isObject(schema) || depth > MAX_DEPTH) return fillString({}, src, st, name);
  if (typeof schema.$ref === "string")
    return fill(resolveRef(schema.$ref, root), root, src, st, name, depth + 1);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pickEnum(schema.enum, src);
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (Array.isArray(variants) && variants.length > 0) {
    const chosen = variants.find((v) => !(isObject(v) && v.type === "null")) ?? variants[0];
    return fill(chosen, root, src, st, name, depth + 1);
  }
  switch (schemaType(schema)) {
    case "object":
      return fillObject(schema, root, src, st, depth);
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 1;
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Math.max(min, 1);
      const count = Math.min(Math.max(min, 1), max);
      return Array.from({ length: count }, () => fill(schema.items, root, src, st, name, depth + 1));
    }
    case "integer":
    case "number":
      return fillNumber(schema, src, st, schemaType(schema) === "integer");
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return fillString(schema, src, st, name);
  }
}

function fillObject(
  schema: JsonObject,
  root: unknown,
  src: FillSource,
  st: FillState,
  depth: number,
): JsonObject {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((k): k is string => typeof k === "string")
    : Object.keys(properties);
  const out: JsonObject = {};
  for (const key of required) out[key] = fill(properties[key] ?? {}, root, src, st, key, depth + 1);
  return out;
}

function pickEnum(values: unknown[], src: FillSource): unknown {
  const lower = src.phrases.map((p) => p.toLowerCase());
  const mentioned = values.find((v) => typeof v === "string" && lower.includes(v.toLowerCase()));
  return mentioned ?? values[0];
}

function fillNumber(schema: JsonObject, src: FillSource, st: FillState, integer: boolean): number {
  const found = src.numbers[st.numbers++];
  let value = found ?? (hash32(src.reply, String(st.numbers)) % 10) + 1;
  if (typeof schema.minimum === "number") value = Math.max(value, schema.minimum);
  if (typeof schema.maximum === "number") value = Math.min(value, schema.maximum);
  return integer ? Math.round(value) : value;
}

const FORMATS: Record<string, string> = {
  "date-time": "2025-01-01T12:00:00Z",
  date: "2025-01-01",
  time: "12:00:00",
  email: "user@example.com",
  uri: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
};

function fillString(schema: JsonObject, src: FillSource, st: FillState, name: string): string {
  const format = typeof schema.format === "string" ? FORMATS[schema.format] : undefined;
  if (format) return format;
  let value: string;
  if (ANSWER_NAMES.test(name) || src.phrases.length === 0) value = src.reply;
  else value = pick(src.phrases, st.strings++);
  if (typeof schema.maxLength === "number") value = value.slice(0, schema.maxLength);
  if (typeof schema.minLength === "number") value = value.padEnd(schema.minLength, ".");
  return value;
}
