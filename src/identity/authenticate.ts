import type { Context } from "hono";
import type { AppEnv, Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { IsolateCache, type WaitUntil } from "../platform/isolate-cache";
import { sha256Hex, timingSafeEqual } from "./crypto";
import type { Principal } from "./principal";
import { type ActiveKey, findActiveKey, getTenant, isApiKey } from "./repository";
import { ALL_SCOPES, END_USER_SCOPES, type Scope } from "./scopes";
import { verifyUserToken } from "./user-tokens";

/**
 * How long an isolate may reuse a key lookup. A revoked key is refused at once by the isolate
 * that revoked it, and by every other isolate within this many milliseconds.
 */
export const KEY_CACHE_TTL_MS = 2_000;
const KEY_CACHE_MAX_ENTRIES = 10_000;
const keyCache = new IsolateCache<ActiveKey | null>(
  KEY_CACHE_TTL_MS,
  KEY_CACHE_MAX_ENTRIES,
  (v) => v !== null,
);

const SUBPROTOCOL_KEY_PREFIX = "openai-insecure-api-key.";
/**
 * The key id of the admin acting as a tenant (ADMIN_TOKEN with `X-Edgegate-Tenant`): `admin:` and a
 * fingerprint of the token, so end-user tokens minted that way end when ADMIN_TOKEN is rotated. Never
 * a real key's id (those are `key_…`).
 */
const ADMIN_KEY_PREFIX = "admin:";
let adminKeyIdMemo: { token: string; id: string } | null = null;

export async function adminKeyId(adminToken: string): Promise<string> {
  if (adminKeyIdMemo?.token !== adminToken) {
    adminKeyIdMemo = {
      token: adminToken,
      id: `${ADMIN_KEY_PREFIX}${(await sha256Hex(adminToken)).slice(0, 16)}`,
    };
  }
  return adminKeyIdMemo.id;
}
export const TENANT_HEADER = "X-Edgegate-Tenant";
const MAX_USER_ID_LENGTH = 256;

/** Refreshed ahead in the background (with `waitUntil`), so steady traffic never waits for D1. */
function cachedIdentity(
  cacheKey: string,
  load: () => Promise<ActiveKey | null>,
  waitUntil?: WaitUntil,
): Promise<ActiveKey | null> {
  return keyCache.get(cacheKey, load, waitUntil);
}

/** The active key behind an `egk_…` secret. Keyed by the secret: a cached lookup costs no hashing. */
export function keyBySecret(
  db: D1Database,
  secret: string,
  waitUntil?: WaitUntil,
): Promise<ActiveKey | null> {
  return cachedIdentity(
    `s:${secret}`,
    async () => findActiveKey(db, { hash: await sha256Hex(secret) }),
    waitUntil,
  );
}

/** A tenant as the admin acting for it sees it (key id `admin:<fingerprint>`). */
function tenantForAdmin(db: D1Database, tenantId: string, keyId: string): Promise<ActiveKey | null> {
  return cachedIdentity(`t:${keyId}:${tenantId}`, async () => {
    const tenant = await getTenant(db, tenantId);
    return tenant ? { keyId, tenant, name: "ADMIN_TOKEN", prefix: "", scopes: ALL_SCOPES } : null;
  });
}

/**
 * The active key `keyId` of `tenantId` behind a credential that names it (an end-user token's `kid`,
 * a live Realtime session's key), or null when revoked or of another tenant: a key, or for
 * `admin:…` ids (ADMIN_TOKEN acting as the tenant) the same ADMIN_TOKEN still configured and the
 * tenant still there. Read through the isolate cache (KEY_CACHE_TTL_MS). Throws when D1 does.
 */
async function keyOfTenant(
  env: Bindings,
  tenantId: string,
  keyId: string,
  waitUntil?: WaitUntil,
): Promise<ActiveKey | null> {
  if (keyId.startsWith(ADMIN_KEY_PREFIX)) {
    const adminToken = env.ADMIN_TOKEN;
    if (!adminToken || keyId !== (await adminKeyId(adminToken))) return null;
    return tenantForAdmin(env.DB, tenantId, keyId);
  }
  const found = await cachedIdentity(`k:${keyId}`, () => findActiveKey(env.DB, { id: keyId }), waitUntil);
  return found && found.tenant.id === tenantId ? found : null;
}

/**
 * Whether the key a long-lived connection was opened with (a Realtime session) still admits it, by
 * the rule every request's end-user token is held to (`keyOfTenant`).
 */
export async function keyStillAdmits(env: Bindings, tenantId: string, keyId: string): Promise<boolean> {
  return (await keyOfTenant(env, tenantId, keyId)) !== null;
}

/** Whether `secret` is the gateway's ADMIN_TOKEN (constant time; false when none is configured). */
export async function isAdminToken(env: Bindings, secret: string): Promise<boolean> {
  const expected = env.ADMIN_TOKEN;
  return expected !== undefined && expected !== "" && (await timingSafeEqual(secret, expected));
}

/** Drops every cached lookup of a key or tenant in this isolate (after revocation or a settings change). */
export function forgetCachedIdentity(match: { keyId?: string; tenantId?: string }): void {
  keyCache.forgetWhere(
    (key) => key !== null && (key.keyId === match.keyId || key.tenant.id === match.tenantId),
  );
}

/**
 * The credential of a request: `Authorization: Bearer …`, or, on a WebSocket handshake only (browsers
 * cannot set headers there), the subprotocol slot the official SDK uses. A plain HTTP request naming
 * a key in `Sec-WebSocket-Protocol` is not authenticated by it.
 */
export function credentialOf(req: Request): string | null {
  const auth = req.headers.get("authorization");
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? null;
  }
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return null;
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
    const found = await keyBySecret(c.env.DB, secret, (p) => c.executionCtx.waitUntil(p));
    if (!found) {
      throw new GatewayError(
        401,
        `Incorrect API key provided: ${secret.slice(0, 8)}…. It is unknown or has been revoked.`,
        { code: "invalid_api_key" },
      );
    }
    return keyPrincipal(c, found);
  }
  if (await isAdminToken(c.env, secret)) return keyPrincipal(c, await adminActingAs(c));
  const claims = await verifyUserToken(c.env.TOKEN_SECRET, secret);
  // Tokens minted by the admin acting as a tenant stay valid while the same ADMIN_TOKEN is configured.
  const found = await keyOfTenant(c.env, claims.tenantId, claims.keyId, (p) => c.executionCtx.waitUntil(p));
  if (!found) {
    throw new GatewayError(401, "The end-user token was minted with a key that has been revoked.", {
      code: "invalid_api_key",
    });
  }
  return {
    kind: "user_token",
    tenant: found.tenant,
    keyId: found.keyId,
    userId: claims.userId,
    scopes: endUserScopes(found.scopes),
  };
}

function keyPrincipal(c: Context<AppEnv>, key: ActiveKey): Principal {
  return { kind: "api_key", tenant: key.tenant, keyId: key.keyId, userId: headerUser(c), scopes: key.scopes };
}

const endUserMemo = new WeakMap<ReadonlySet<Scope>, ReadonlySet<Scope>>();

/** What a token minted by a key with `keyScopes` may do (memoised per cached key). */
function endUserScopes(keyScopes: ReadonlySet<Scope>): ReadonlySet<Scope> {
  let scopes = endUserMemo.get(keyScopes);
  if (!scopes) {
    scopes = new Set(END_USER_SCOPES.filter((s) => keyScopes.has(s)));
    endUserMemo.set(keyScopes, scopes);
  }
  return scopes;
}

/** ADMIN_TOKEN on `/v1` acts as the tenant named by `X-Edgegate-Tenant` (the console's admin mode). */
async function adminActingAs(c: Context<AppEnv>): Promise<ActiveKey> {
  const tenantId = c.req.header(TENANT_HEADER);
  if (!tenantId) {
    throw new GatewayError(
      400,
      `ADMIN_TOKEN on /v1 acts as a tenant: send '${TENANT_HEADER}: <tenant id>', or use an API key of the tenant.`,
      { param: TENANT_HEADER, code: "tenant_required" },
    );
  }
  const found = await tenantForAdmin(c.env.DB, tenantId, await adminKeyId(c.env.ADMIN_TOKEN ?? ""));
  if (!found) {
    const shown = tenantId.slice(0, 80);
    throw new GatewayError(
      404,
      `${TENANT_HEADER} names no tenant: '${shown}'. Send the id of an existing tenant (GET /admin/tenants lists them).`,
      {
        param: TENANT_HEADER,
        code: "tenant_not_found",
      },
    );
  }
  return found;
}
