import { sha256Hex } from "../identity/crypto";
import type { JsonValue } from "../platform/json";

/** The endpoints whose answers the cache keeps. */
export type CacheKind = "chat" | "embeddings" | "responses";

/** A request body as the key reads it: an object of JSON values. */
type JsonFields = { [key: string]: JsonValue };

/**
 * Fields that never change the output: transport framing, storage, routing and billing hints.
 * @see docs/openai-reference.md C.1 ("Affects output?" column)
 */
const GENERATION_HINTS = [
  "stream",
  "stream_options",
  "store",
  "metadata",
  "user",
  "safety_identifier",
  "prompt_cache_key",
  "prompt_cache_retention",
  "prompt_cache_options",
  "service_tier",
] as const;

const NOT_OUTPUT: Record<CacheKind, readonly string[]> = {
  chat: GENERATION_HINTS,
  embeddings: ["user"],
  // `background` stays in the key: a background request is answered `queued`, a plain one finished.
  responses: GENERATION_HINTS,
};

/** Explicit values equal to the provider's defaults are dropped so `temperature: 1` keys like no temperature. */
const DEFAULTS: Record<CacheKind, Record<string, JsonValue>> = {
  chat: {
    temperature: 1,
    top_p: 1,
    n: 1,
    presence_penalty: 0,
    frequency_penalty: 0,
    logprobs: false,
    parallel_tool_calls: true,
    response_format: { type: "text" },
  },
  embeddings: { encoding_format: "float" },
  responses: {
    temperature: 1,
    top_p: 1,
    parallel_tool_calls: true,
    truncation: "disabled",
    text: { format: { type: "text" } },
  },
};

function isObject(v: JsonValue | undefined): v is JsonFields {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Fields whose value is a JSON Schema (a tool's `parameters`; `response_format.json_schema.schema`,
 * `text.format.schema`): there `null` is a value (`"default": null`, `"const": null`), not an
 * absent field as in the request's own fields.
 */
const SCHEMA_FIELDS = new Set(["parameters", "schema"]);

/**
 * Sorted keys, recursively: the order-free form of a JSON value. In the request's own objects a
 * `null` field is dropped (the API reads it as absent); inside a JSON Schema it is kept.
 */
function sortDeep(value: JsonValue, keepNulls = false): JsonValue {
  if (Array.isArray(value)) return value.map((v) => sortDeep(v, keepNulls));
  if (!isObject(value)) return value;
  const out: JsonFields = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v === undefined || (v === null && !keepNulls)) continue;
    out[key] = sortDeep(v, keepNulls || SCHEMA_FIELDS.has(key));
  }
  return out;
}

/** A message whose content is one text part says the same as one whose content is that string. */
function normaliseMessage(message: JsonValue): JsonValue {
  if (!isObject(message)) return message;
  const content = message.content;
  if (Array.isArray(content) && content.length === 1) {
    const only = content[0];
    if (isObject(only) && only.type === "text" && typeof only.text === "string") {
      return { ...message, content: only.text };
    }
  }
  return message;
}

function normaliseChat(body: JsonFields): JsonFields {
  const out: JsonFields = { ...body };
  if (Array.isArray(out.messages)) out.messages = out.messages.map(normaliseMessage);
  if (typeof out.stop === "string") out.stop = [out.stop];
  if (Array.isArray(out.stop) && out.stop.length === 0) delete out.stop;
  const hasTools = Array.isArray(out.tools) && out.tools.length > 0;
  if (!hasTools) {
    delete out.tools;
    if (out.tool_choice === "none") delete out.tool_choice;
  } else if (out.tool_choice === "auto") delete out.tool_choice;
  if (out.logprobs !== true) delete out.top_logprobs;
  return out;
}

/**
 * The canonical form of a request for the exact cache: output-affecting fields only, defaults
 * removed, keys sorted. Documented in docs/caching.md ("How the cache key is made").
 */
export function canonicalRequest(kind: CacheKind, body: Record<string, unknown>): JsonFields {
  let out: JsonFields = { ...(body as JsonFields) };
  for (const field of NOT_OUTPUT[kind]) delete out[field];
  for (const [field, fallback] of Object.entries(DEFAULTS[kind])) {
    const v = out[field];
    if (v !== undefined && JSON.stringify(sortDeep(v)) === JSON.stringify(sortDeep(fallback)))
      delete out[field];
  }
  if (kind === "chat") out = normaliseChat(out);
  return sortDeep(out) as JsonFields;
}

/** Who may share an entry: always one tenant (at one purge generation), and one end user unless shared. */
export interface CacheScope {
  tenantId: string;
  generation: number;
  /** `null` when the tenant shares entries across end users (or the request names none). */
  userId: string | null;
}

/** SHA-256 over the scope and the canonical request. */
export async function exactKey(kind: CacheKind, scope: CacheScope, canonical: JsonFields): Promise<string> {
  const scopePart = JSON.stringify([scope.tenantId, scope.generation, scope.userId]);
  return sha256Hex(`${kind}\n${scopePart}\n${JSON.stringify(canonical)}`);
}
