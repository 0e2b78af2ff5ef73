import { sha256Hex } from "../identity/crypto";
import type { CacheKind } from "./key";

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
  return `eg-${(await sha256Hex(`${tenantId}\n${JSON.stringify(stable)}`)).slice(0, 40)}`;
}
