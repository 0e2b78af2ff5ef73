/**
 * `POST /v1/embeddings`: deterministic, lexically meaningful vectors by feature hashing (words, word
 * pairs and character trigrams, signed by a second hash, L2-normalised), so near-identical texts have a
 * cosine close to 1 and unrelated texts close to 0. `encoding_format: "base64"` is little-endian float32.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
import type { CreateEmbeddingResponse, Embedding } from "openai/resources/embeddings";
import {
  badRequest,
  invalidType,
  type JsonObject,
  modelNotFound,
  optionalEnum,
  optionalNumber,
  rejectUnknownFields,
  requireString,
  SimError,
} from "./errors";
import { json, type Route } from "./http";
import { findModel } from "./models";
import type { SimStore } from "./store";
import { hash32, STOPWORDS, tokenize, words } from "./text";

const DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};
const EMBEDDING_FIELDS: ReadonlySet<string> = new Set([
  "input",
  "model",
  "dimensions",
  "encoding_format",
  "user",
]);
const MAX_INPUT_TOKENS = 8192;
const MAX_INPUTS = 2048;
const MAX_TOTAL_TOKENS = 300_000;

type Input = { kind: "text"; text: string } | { kind: "tokens"; tokens: number[] };

/** The weighted features of one input: words, adjacent word pairs, and character trigrams of words. */
function features(input: Input): Array<[string, number]> {
  const list: Array<[string, number]> =
    input.kind === "tokens" ? input.tokens.map((t) => [`tok:${t}`, 1]) : [];
  if (input.kind === "tokens") return list;
  const lower = words(input.text.toLowerCase());
  lower.forEach((word, i) => {
    list.push([`w:${word}`, STOPWORDS.has(word) ? 0.25 : 1]);
    const next = lower[i + 1];
    if (next) list.push([`b:${word} ${next}`, 0.5]);
    const padded = `^${word}$`;
    for (let j = 0; j + 3 <= padded.length; j++) list.push([`c:${padded.slice(j, j + 3)}`, 0.3]);
  });
  if (list.length === 0) list.push([`raw:${input.text}`, 1]);
  return list;
}

export function embed(input: Input, dimensions: number): Float32Array {
  const vector = new Float64Array(dimensions);
  for (const [feature, weight] of features(input)) {
    const h = hash32(feature);
    vector[h % dimensions] = (vector[h % dimensions] ?? 0) + (hash32(feature, "sign") & 1 ? weight : -weight);
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(vector, (v) => v / norm);
}

export function toBase64(vector: Float32Array): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] ?? 0, true);
  return Buffer.from(view.buffer).toString("base64");
}

const INVALID_INPUT =
  "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((t) => Number.isInteger(t) && t >= 0);
}

function parseInputs(value: unknown): Input[] {
  if (value === undefined || value === null)
    throw badRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  if (typeof value === "string") {
    if (value.length === 0) throw badRequest(INVALID_INPUT);
    return [{ kind: "text", text: value }];
  }
  if (!Array.isArray(value) || value.length === 0) throw badRequest(INVALID_INPUT);
  if (isTokenArray(value)) return [{ kind: "tokens", tokens: value }];
  if (value.length > MAX_INPUTS) {
    throw badRequest(
      `Invalid 'input': array too long. Expected an array with maximum length ${MAX_INPUTS}.`,
      "input",
      "array_above_max_length",
    );
  }
  return value.map((item: unknown) => {
    if (typeof item === "string" && item.length > 0) return { kind: "text", text: item };
    if (isTokenArray(item)) return { kind: "tokens", tokens: item };
    throw badRequest(INVALID_INPUT);
  });
}

function tokensOf(input: Input): number {
  return input.kind === "tokens" ? input.tokens.length : tokenize(input.text).length;
}

function parseDimensions(body: JsonObject, model: string, native: number): number {
  const requested = optionalNumber(body, "dimensions", { integer: true, min: 1, max: native });
  if (requested === undefined) return native;
  if (model === "text-embedding-ada-002") {
    throw new SimError(
      400,
      "This model does not support specifying dimensions.",
      "invalid_request_error",
      "dimensions",
      null,
    );
  }
  return requested;
}

export function createEmbeddings(
  store: SimStore,
  body: JsonObject,
): CreateEmbeddingResponse | EmbeddingsBase64 {
  rejectUnknownFields(body, EMBEDDING_FIELDS);
  const model = requireString(body, "model");
  const native = DIMENSIONS[model];
  if (native === undefined) {
    if (!findModel(store, model)) throw modelNotFound(model);
    throw badRequest(`The model \`${model}\` does not support embeddings.`, "model", "invalid_value");
  }
  const inputs = parseInputs(body.input);
  const dimensions = parseDimensions(body, model, native);
  const format = optionalEnum(body, "encoding_format", ["float", "base64"] as const) ?? "float";
  if (body.user !== undefined && typeof body.user !== "string")
    throw invalidType("user", "a string", body.user);
  let total = 0;
  for (const input of inputs) {
    const count = tokensOf(input);
    if (count > MAX_INPUT_TOKENS) {
      const message = `This model's maximum context length is ${MAX_INPUT_TOKENS} tokens, however you requested ${count} tokens (${count} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`;
      throw badRequest(message);
    }
    total += count;
  }
  if (total > MAX_TOTAL_TOKENS) {
    throw badRequest(
      `Requested ${total} tokens, max ${MAX_TOTAL_TOKENS} tokens per request`,
      "input",
      "max_tokens_per_request",
    );
  }
  const data = inputs.map((input, index) => {
    const vector = embed(input, dimensions);
    return {
      object: "embedding" as const,
      index,
      embedding: format === "base64" ? toBase64(vector) : Array.from(vector),
    };
  });
  return { object: "list", data, model, usage: { prompt_tokens: total, total_tokens: total } } as
    | CreateEmbeddingResponse
    | EmbeddingsBase64;
}

/** The wire shape with `encoding_format: "base64"` (the SDK decodes it into `Embedding.embedding`). */
export interface EmbeddingsBase64 extends Omit<CreateEmbeddingResponse, "data"> {
  data: Array<Omit<Embedding, "embedding"> & { embedding: string }>;
}

export const embeddingRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/embeddings$/,
    rateLimited: true,
    handler: async (ctx) => json(createEmbeddings(ctx.store, await ctx.readJson())),
  },
];
