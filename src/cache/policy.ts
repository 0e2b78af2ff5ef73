import type { Principal } from "../identity/principal";
import { GatewayError } from "../platform/errors";
import type { CacheKind } from "./key";
import { CACHE_MAX_TTL_SECONDS } from "./settings";

export type CacheMode = "off" | "exact" | "semantic";
export const DEFAULT_TTL_SECONDS = 3600;

/** What the cache may do for one request, from tenant settings and the request's headers. */
export interface CachePolicy {
  mode: CacheMode;
  /** Look for a stored answer (false for `no-cache`: refresh instead). */
  read: boolean;
  /** Store the fresh answer (false for `no-store`). */
  write: boolean;
  /** Answer 504 instead of calling the provider on a miss. */
  onlyIfCached: boolean;
  /** Accept only entries younger than this many seconds. */
  maxAgeSeconds: number | null;
  ttlSeconds: number;
  coalesce: boolean;
  /** Whether the tenant's own setting turns the cache on (whatever this request asks). */
  tenantCacheOn: boolean;
}

interface Directives {
  noStore: boolean;
  noCache: boolean;
  onlyIfCached: boolean;
  maxAge: number | null;
}

/** `Cache-Control` request directives with their HTTP meanings (RFC 9111 §5.2.1). */
export function parseCacheControl(header: string | undefined): Directives {
  const out: Directives = { noStore: false, noCache: false, onlyIfCached: false, maxAge: null };
  for (const raw of (header ?? "").split(",")) {
    const [name = "", value] = raw.trim().toLowerCase().split("=", 2);
    if (name === "no-store") out.noStore = true;
    else if (name === "no-cache") out.noCache = true;
    else if (name === "only-if-cached") out.onlyIfCached = true;
    else if (name === "max-age") {
      const n = Number(value?.replaceAll('"', ""));
      if (!Number.isInteger(n) || n < 0) {
        throw new GatewayError(
          400,
          "Cache-Control max-age must be a whole number of seconds, e.g. max-age=60.",
          {
            param: "Cache-Control",
            code: "invalid_cache_control",
          },
        );
      }
      out.maxAge = n;
    }
  }
  return out;
}

function parseMode(header: string | undefined): CacheMode | null {
  if (header === undefined || header === "") return null;
  const mode = header.trim().toLowerCase();
  if (mode === "exact" || mode === "semantic" || mode === "off") return mode;
  throw new GatewayError(400, `X-Cache-Mode must be one of exact, semantic or off; got '${header}'.`, {
    param: "X-Cache-Mode",
    code: "invalid_cache_mode",
  });
}

function parseTtl(header: string | undefined): number | null {
  if (header === undefined || header === "") return null;
  const n = Number(header);
  if (!Number.isInteger(n) || n < 1 || n > CACHE_MAX_TTL_SECONDS) {
    throw new GatewayError(
      400,
      `X-Cache-TTL must be whole seconds from 1 to ${CACHE_MAX_TTL_SECONDS}; got '${header}'.`,
      {
        param: "X-Cache-TTL",
        code: "invalid_cache_ttl",
      },
    );
  }
  return n;
}

export function cachePolicy(
  principal: Principal,
  kind: CacheKind,
  headers: (name: string) => string | undefined,
): CachePolicy {
  const settings = principal.tenant.settings.cache ?? {};
  const directives = parseCacheControl(headers("cache-control"));
  let mode = parseMode(headers("x-cache-mode")) ?? settings.mode ?? "off";
  // Embeddings have no "last user message": semantic mode means exact for them.
  if (kind === "embeddings" && mode === "semantic") mode = "exact";
  return {
    mode: directives.noStore ? "off" : mode,
    read: !directives.noCache,
    write: !directives.noStore,
    onlyIfCached: directives.onlyIfCached,
    maxAgeSeconds: directives.maxAge,
    ttlSeconds: parseTtl(headers("x-cache-ttl")) ?? settings.ttl_seconds ?? DEFAULT_TTL_SECONDS,
    coalesce: settings.coalesce ?? true,
    tenantCacheOn: (settings.mode ?? "off") !== "off",
  };
}
