import { sha256Hex } from "../identity/crypto";
import { BoundedMap } from "../platform/bounded-map";
import type { CacheKind } from "./key";

/**
 * Derived keys kept in the isolate, least recently used dropped first: most calls of a tenant share
 * their prefix, so most skip the hash. At most 1,000 prefixes and 1 M characters of them in all (about
 * 2 MB of an isolate's 128 MB); a prefix over 16 K characters (long tool lists) is hashed each time.
 */
const memo = new BoundedMap<string>({ maxEntries: 1_000, maxTotal: 1_000_000, maxItem: 16 * 1024 });

/** What the isolate keeps (for tests of its bounds). */
export const keptPrefixes = () => {
  const { entries, total } = memo.usage();
  return { entries, chars: total };
};

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
  memo.set(prefix, key, prefix.length);
  return key;
}
