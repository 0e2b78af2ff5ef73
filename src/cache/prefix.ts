import { sha256Hex } from "../identity/crypto";
import type { CacheKind } from "./key";

/** Derived keys kept in the isolate: most calls of a tenant share their prefix, so most skip the hash. */
const MEMO_MAX_ENTRIES = 1_000;
/** Prefixes longer than this (long tool lists, system prompts) are hashed each time, not kept. */
const MEMO_MAX_CHARS = 16 * 1024;
const memo = new Map<string, string>();

/**
 * A `prompt_cache_key` for the provider's prefix cache, derived from the tenant and the stable
 * prefix of the prompt (tools, response format, system/developer messages or instructions), so
 * alike prompts are routed to the same engine. Volatile parts (the conversation) stay out.
 * @see docs/openai-reference.md B ("Routing", `prompt_cache_key`)
 */
export async function derivePromptCacheKey(
  kind: CacheKind,
  tenantId: string,
  body: Record<string, unknown>,
): Promise<string | null> {
  if (kind === "embeddings") return null;
  const stable =
    kind === "chat"
      ? [
          body.model,
          body.tools ?? null,
          body.response_format ?? null,
          ((body.messages as { role?: unknown }[] | undefined) ?? []).filter(
            (m) => m.role === "system" || m.role === "developer",
          ),
        ]
      : [body.model, body.tools ?? null, body.text ?? null, body.instructions ?? null];
  const prefix = `${tenantId}\n${JSON.stringify(stable)}`;
  const known = memo.get(prefix);
  if (known !== undefined) return known;
  const key = `eg-${(await sha256Hex(prefix)).slice(0, 40)}`;
  if (prefix.length <= MEMO_MAX_CHARS) {
    if (memo.size >= MEMO_MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
    memo.set(prefix, key);
  }
  return key;
}
