import { sha256Hex } from "../identity/crypto";
import type { Bindings } from "../platform/env";
import { asObject } from "../platform/json";
import { log } from "../platform/log";
import { postJson } from "../upstream";
import type { CacheKind, CacheScope } from "./key";
import { DEFAULT_EMBEDDING_MODEL, DEFAULT_THRESHOLD, EMBEDDING_DIMENSIONS } from "./semantic-defaults";
import type { CacheSettings } from "./settings";

export { DEFAULT_THRESHOLD };

const EMBEDDING_TTL_SECONDS = 7 * 86_400;

type Message = { role?: unknown; content?: unknown };

function textOf(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  const parts: string[] = [];
  for (const item of content as unknown[]) {
    // Any JSON passes the request schemas (the provider refuses a malformed part): not a text question.
    const part = asObject(item);
    if ((part?.type !== "text" && part?.type !== "input_text") || typeof part.text !== "string") return null;
    parts.push(part.text);
  }
  return parts.join("\n");
}

/**
 * Splits a request into its semantic partition (everything but the last user message) and that
 * message's text. Null when the request does not end in a plain-text user message.
 */
export function splitQuestion(
  kind: CacheKind,
  canonical: Record<string, unknown>,
): { partition: Record<string, unknown>; question: string } | null {
  if (kind === "chat") {
    const messages = canonical.messages as Message[] | undefined;
    const last = messages?.at(-1);
    const question = last?.role === "user" ? textOf(last.content) : null;
    if (!messages || question === null) return null;
    return { partition: { ...canonical, messages: messages.slice(0, -1) }, question };
  }
  if (kind === "responses") {
    if (typeof canonical.input === "string")
      return { partition: { ...canonical, input: null }, question: canonical.input };
    const items = canonical.input as Message[] | undefined;
    const last = items?.at(-1);
    const question = last?.role === "user" ? textOf(last.content) : null;
    if (!items || question === null) return null;
    return { partition: { ...canonical, input: items.slice(0, -1) }, question };
  }
  return null;
}

export async function partitionName(kind: CacheKind, scope: CacheScope, partition: Record<string, unknown>) {
  return sha256Hex(
    `sem\n${kind}\n${JSON.stringify([scope.tenantId, scope.generation, scope.userId])}\n${JSON.stringify(partition)}`,
  );
}

function decodeBase64Floats(b64: string): Float32Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/**
 * The embedding of a question through the provider's embeddings API; identical texts are embedded
 * once (vectors kept in KV by model and text hash). Null when the provider refuses.
 */
export async function embedQuestion(
  env: Bindings,
  settings: CacheSettings,
  question: string,
  requestId: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Float32Array | null> {
  const model = settings.semantic?.embedding_model ?? DEFAULT_EMBEDDING_MODEL;
  const kvKey = `emb:${model}:${EMBEDDING_DIMENSIONS}:${await sha256Hex(question)}`;
  const cached = await env.CACHE.get(kvKey);
  if (cached) return decodeBase64Floats(cached);
  const res = await postJson(
    env,
    "/embeddings",
    { model, input: question, encoding_format: "base64", dimensions: EMBEDDING_DIMENSIONS },
    requestId,
  );
  if (!res.ok) {
    log(env, "warn", "semantic cache: embedding failed", { request_id: requestId, status: res.status });
    await res.body?.cancel();
    return null;
  }
  const json = (await res.json()) as { data?: { embedding?: unknown }[] };
  const embedding = json.data?.[0]?.embedding;
  if (typeof embedding !== "string") return null;
  waitUntil(env.CACHE.put(kvKey, embedding, { expirationTtl: EMBEDDING_TTL_SECONDS }));
  return decodeBase64Floats(embedding);
}

/** The primary text of a stored answer, used to compare a shadow hit with the fresh answer. */
export function answerText(kind: CacheKind, body: Record<string, unknown>): string {
  if (kind === "chat") {
    const choice = (
      body.choices as { message?: { content?: unknown; tool_calls?: unknown } }[] | undefined
    )?.[0];
    return JSON.stringify([choice?.message?.content ?? null, choice?.message?.tool_calls ?? null]);
  }
  return JSON.stringify(body.output ?? null);
}
