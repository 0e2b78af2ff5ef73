import { base64url, newId, sha256Hex } from "./crypto";
import type { Tenant } from "./principal";
import { type Scope, scopeList, scopesOf } from "./scopes";
import type { TenantSettings } from "./settings";

interface TenantRow {
  id: string;
  name: string;
  settings: string;
  created_at: number;
  cache_generation: number;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  name: string;
  key_prefix: string;
  console: number;
  scopes: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  /** What the key may do; `admin` lets it open the web console and its tenant's admin routes. */
  scopes: ReadonlySet<Scope>;
  createdAt: number;
  revokedAt: number | null;
}

/** An active key with its tenant, as authentication needs it. */
export interface ActiveKey {
  keyId: string;
  tenant: Tenant;
  name: string;
  prefix: string;
  /** What the key may do; `admin` is console access (the console and its tenant's admin routes). */
  scopes: ReadonlySet<Scope>;
}

const KEY_PREFIX = "egk_";
const KEY_COLUMNS = "id, tenant_id, name, key_prefix, console, scopes, created_at, revoked_at";
const TENANT_COLUMNS = "id, name, settings, created_at, cache_generation";
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    settings: JSON.parse(row.settings) as TenantSettings,
    createdAt: row.created_at,
    cacheGeneration: row.cache_generation,
  };
}

const tenantOrNull = (row: TenantRow | null): Tenant | null => (row ? toTenant(row) : null);

function toKey(row: KeyRow): ApiKeyInfo {
  const scopes = scopesOf(row.scopes, row.console === 1);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    prefix: row.key_prefix,
    scopes,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function isApiKey(secret: string): boolean {
  return secret.startsWith(KEY_PREFIX);
}

export async function createTenant(db: D1Database, name: string, settings: TenantSettings): Promise<Tenant> {
  const id = newId("ten");
  const now = nowSeconds();
  await db
    .prepare("INSERT INTO tenants (id, name, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
    .bind(id, name, JSON.stringify(settings), now, now)
    .run();
  return { id, name, settings, createdAt: now, cacheGeneration: 0 };
}

export async function listTenants(db: D1Database): Promise<Tenant[]> {
  const { results } = await db
    .prepare(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY created_at, id`)
    .all<TenantRow>();
  return results.map(toTenant);
}

export async function getTenant(db: D1Database, id: string): Promise<Tenant | null> {
  return tenantOrNull(
    await db.prepare(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = ?`).bind(id).first<TenantRow>(),
  );
}

export async function updateTenant(
  db: D1Database,
  id: string,
  name: string,
  settings: TenantSettings,
): Promise<Tenant | null> {
  const row = await db
    .prepare(
      `UPDATE tenants SET name = ?, settings = ?, updated_at = ? WHERE id = ? RETURNING ${TENANT_COLUMNS}`,
    )
    .bind(name, JSON.stringify(settings), nowSeconds(), id)
    .first<TenantRow>();
  return tenantOrNull(row);
}

/** Creates a key with its scopes; the returned secret is shown once and only its hash is stored. */
export async function createKey(
  db: D1Database,
  tenantId: string,
  name: string,
  scopes: ReadonlySet<Scope>,
): Promise<{ key: string; info: ApiKeyInfo }> {
  const consoleAccess = scopes.has("admin");
  const secret = `${KEY_PREFIX}${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const id = newId("key");
  const now = nowSeconds();
  const prefix = secret.slice(0, 12);
  await db
    .prepare(
      "INSERT INTO api_keys (id, tenant_id, name, key_hash, key_prefix, console, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(
      id,
      tenantId,
      name,
      await sha256Hex(secret),
      prefix,
      consoleAccess ? 1 : 0,
      JSON.stringify(scopeList(scopes)),
      now,
    )
    .run();
  return {
    key: secret,
    info: { id, tenantId, name, prefix, scopes, createdAt: now, revokedAt: null },
  };
}

export async function listKeys(db: D1Database, tenantId: string): Promise<ApiKeyInfo[]> {
  const { results } = await db
    .prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id`)
    .bind(tenantId)
    .all<KeyRow>();
  return results.map(toKey);
}

/**
 * Revokes a key (idempotent); null when no such key exists, or when `tenantId` is given and the key
 * belongs to another tenant.
 */
export async function revokeKey(db: D1Database, id: string, tenantId?: string): Promise<ApiKeyInfo | null> {
  const row = await db
    .prepare(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2 AND (?3 IS NULL OR tenant_id = ?3)
       RETURNING ${KEY_COLUMNS}`,
    )
    .bind(nowSeconds(), id, tenantId ?? null)
    .first<KeyRow>();
  return row ? toKey(row) : null;
}

const ACTIVE_KEY_SQL = `SELECT k.id AS key_id, k.name AS key_name, k.key_prefix, k.console, k.scopes,
    t.id, t.name, t.settings, t.created_at, t.cache_generation
  FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
  WHERE k.revoked_at IS NULL AND `;

export async function findActiveKey(
  db: D1Database,
  by: { hash: string } | { id: string },
): Promise<ActiveKey | null> {
  const [column, value] = "hash" in by ? ["k.key_hash", by.hash] : ["k.id", by.id];
  const row = await db.prepare(`${ACTIVE_KEY_SQL}${column} = ?`).bind(value).first<
    TenantRow & {
      key_id: string;
      key_name: string;
      key_prefix: string;
      console: number;
      scopes: string | null;
    }
  >();
  if (!row) return null;
  const scopes = scopesOf(row.scopes, row.console === 1);
  return {
    keyId: row.key_id,
    tenant: toTenant(row),
    name: row.key_name,
    prefix: row.key_prefix,
    scopes,
  };
}

/** Starts a new cache generation for the tenant: every earlier entry becomes unreachable at once. */
export async function bumpCacheGeneration(db: D1Database, id: string): Promise<number | null> {
  const row = await db
    .prepare(
      "UPDATE tenants SET cache_generation = cache_generation + 1 WHERE id = ? RETURNING cache_generation",
    )
    .bind(id)
    .first<{ cache_generation: number }>();
  return row ? row.cache_generation : null;
}
