import { sha256Hex } from "../identity/crypto";
import type { CacheKind } from "./key";

/**
 * Derived keys kept in the isolate, oldest dropped first: most calls of a tenant share their prefix,
 * so most skip the hash. At most 1,000 prefixes and 1 M characters of them in all (about 2 MB of an
 * isolate's 128 MB); a prefix over 16 K characters (long tool lists) is hashed each time.
 */
const MEMO_MAX_ENTRIES = 1_000;
const MEMO_MAX_TOTAL_CHARS = 1_000_000;
const MEMO_MAX_CHARS = 16 * 1024;
const memo = new Map<string, string>();
let memoChars = 0;

/** What the isolate keeps (for tests of its bounds). */
export const keptPrefixes = () => ({ entries: memo.size, chars: memoChars });

function remember(prefix: string, key: string): void {
  if (prefix.length > MEMO_MAX_CHARS) return;
  memo.set(prefix, key);
  memoChars += prefix.length;
  for (const oldest of memo.keys()) {
    if (memo.size <= MEMO_MAX_ENTRIES && memoChars <= MEMO_MAX_TOTAL_CHARS) break;
    memo.delete(oldest);
    memoChars -= oldest.length;
  }
}

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
  // Two calls may hash the same new prefix at once: the second finds it kept and leaves it.
  if (!memo.has(prefix)) remember(prefix, key);
  return key;
}
