import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { factory } from "../platform/factory";
import { sha256Hex, timingSafeEqual } from "./crypto";
import type { Principal } from "./principal";
import { type ActiveKey, findActiveKey, isApiKey } from "./repository";
import { verifyUserToken } from "./user-tokens";

/**
 * How long an isolate may reuse a key lookup. A revoked key is refused at once by the isolate
 * that revoked it, and by every other isolate within this many milliseconds.
 */
export const KEY_CACHE_TTL_MS = 2_000;
const KEY_CACHE_MAX_ENTRIES = 10_000;
const keyCache = new Map<string, { value: ActiveKey; expires: number }>();

const SUBPROTOCOL_KEY_PREFIX = "openai-insecure-api-key.";
const MAX_USER_ID_LENGTH = 256;

async function cachedKey(
  db: D1Database,
  cacheKey: string,
  by: () => Promise<{ hash: string } | { id: string }>,
): Promise<ActiveKey | null> {
  const now = Date.now();
  const hit = keyCache.get(cacheKey);
  if (hit && hit.expires > now) return hit.value;
  const value = await findActiveKey(db, await by());
  if (!value) {
    keyCache.delete(cacheKey);
    return null;
  }
  if (keyCache.size >= KEY_CACHE_MAX_ENTRIES) keyCache.clear();
  keyCache.set(cacheKey, { value, expires: now + KEY_CACHE_TTL_MS });
  return value;
}

/** Drops every cached lookup of a key or tenant in this isolate (after revocation or a settings change). */
export function forgetCachedIdentity(match: { keyId?: string; tenantId?: string }): void {
  for (const [k, entry] of keyCache) {
    if (entry.value.keyId === match.keyId || entry.value.tenant.id === match.tenantId) keyCache.delete(k);
  }
}

/** The credential of a request: `Authorization: Bearer …`, or for browsers the WebSocket subprotocol slot. */
export function credentialOf(req: Request): string | null {
  const auth = req.headers.get("authorization");
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? null;
  }
  const protocols = req.headers.get("sec-websocket-protocol");
  if (!protocols) return null;
  for (const entry of protocols.split(",")) {
    const p = entry.trim();
    if (p.startsWith(SUBPROTOCOL_KEY_PREFIX)) return p.slice(SUBPROTOCOL_KEY_PREFIX.length);
  }
  return null;
}

function headerUser(c: Context<AppEnv>): string | null {
  const user = c.req.header("x-user-id");
  if (user === undefined || user === "") return null;
  if (user.length > MAX_USER_ID_LENGTH) {
    throw new GatewayError(400, `X-User-Id must be at most ${MAX_USER_ID_LENGTH} characters.`, {
      param: "X-User-Id",
      code: "invalid_user",
    });
  }
  return user;
}

export async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal> {
  const secret = credentialOf(c.req.raw);
  if (!secret) {
    throw new GatewayError(
      401,
      "You didn't provide an API key. Send 'Authorization: Bearer egk_…' with an Edgegate key, or an end-user token.",
      { code: "missing_api_key" },
    );
  }
  if (isApiKey(secret)) {
    // Keyed by the secret itself: a cached lookup costs no hashing; D1 is only ever asked by hash.
    const found = await cachedKey(c.env.DB, `s:${secret}`, async () => ({ hash: await sha256Hex(secret) }));
    if (!found) {
      throw new GatewayError(
        401,
        `Incorrect API key provided: ${secret.slice(0, 8)}…. It is unknown or has been revoked.`,
        { code: "invalid_api_key" },
      );
    }
    return { kind: "api_key", tenant: found.tenant, keyId: found.keyId, userId: headerUser(c) };
  }
  const claims = await verifyUserToken(c.env.TOKEN_SECRET, secret);
  const found = await cachedKey(c.env.DB, `k:${claims.keyId}`, async () => ({ id: claims.keyId }));
  if (!found || found.tenant.id !== claims.tenantId) {
    throw new GatewayError(401, "The end-user token was minted with a key that has been revoked.", {
      code: "invalid_api_key",
    });
  }
  return { kind: "user_token", tenant: found.tenant, keyId: found.keyId, userId: claims.userId };
}

/** Authenticates `/v1/*` callers and sets the request's `principal`. */
export const authenticate = factory.createMiddleware(async (c, next) => {
  c.set("principal", await resolvePrincipal(c));
  await next();
});

/** Guards `/admin/*` with `ADMIN_TOKEN`, compared in constant time. */
export const requireAdmin = factory.createMiddleware(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) {
    throw new GatewayError(503, "The admin API is disabled: set the ADMIN_TOKEN secret on the gateway.", {
      type: "server_error",
      code: "admin_disabled",
    });
  }
  const given = credentialOf(c.req.raw);
  if (!given || !(await timingSafeEqual(given, expected))) {
    throw new GatewayError(401, "The admin API needs 'Authorization: Bearer <ADMIN_TOKEN>'.", {
      code: "invalid_admin_token",
    });
  }
  await next();
});
