/** D1 storage of the providers each tenant registers (`tenant_providers`, migrations/0011_providers.sql). */

export type Capability = "chat" | "embeddings" | "fine_tuning";

export interface StoredProvider {
  tenantId: string;
  name: string;
  baseUrl: string;
  /** AES-GCM ciphertext of the API key (keys.ts); never leaves the gateway. */
  keyCiphertext: string;
  keyHint: string;
  /** Model ids the provider serves that may also be named without the `name/` prefix. */
  models: string[];
  capabilities: Capability[];
  /** Model id -> `YYYY-MM-DD`, from the provider's own `/v1/models` `shutdown_date`. */
  shutdownDates: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

interface ProviderRow {
  tenant_id: string;
  name: string;
  base_url: string;
  key_ciphertext: string;
  key_hint: string;
  models: string;
  capabilities: string;
  shutdown_dates: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS =
  "tenant_id, name, base_url, key_ciphertext, key_hint, models, capabilities, shutdown_dates, created_at, updated_at";

function toProvider(row: ProviderRow): StoredProvider {
  return {
    tenantId: row.tenant_id,
    name: row.name,
    baseUrl: row.base_url,
    keyCiphertext: row.key_ciphertext,
    keyHint: row.key_hint,
    models: JSON.parse(row.models) as string[],
    capabilities: JSON.parse(row.capabilities) as Capability[],
    shutdownDates: JSON.parse(row.shutdown_dates) as Record<string, string>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listProviders(db: D1Database, tenantId: string): Promise<StoredProvider[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM tenant_providers WHERE tenant_id = ? ORDER BY name`)
    .bind(tenantId)
    .all<ProviderRow>();
  return results.map(toProvider);
}

export async function getProvider(
  db: D1Database,
  tenantId: string,
  name: string,
): Promise<StoredProvider | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM tenant_providers WHERE tenant_id = ? AND name = ?`)
    .bind(tenantId, name)
    .first<ProviderRow>();
  return row ? toProvider(row) : null;
}

/** The changeable columns in table order: base_url, key_ciphertext, key_hint, models, capabilities, shutdown_dates. */
function mutableValues(p: Omit<StoredProvider, "updatedAt">): (string | number)[] {
  return [
    p.baseUrl,
    p.keyCiphertext,
    p.keyHint,
    JSON.stringify(p.models),
    JSON.stringify(p.capabilities),
    JSON.stringify(p.shutdownDates),
  ];
}

/** Inserts a provider; false when the tenant already has one by that name. */
export async function insertProvider(db: D1Database, p: Omit<StoredProvider, "updatedAt">): Promise<boolean> {
  const res = await db
    .prepare(
      `INSERT INTO tenant_providers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, name) DO NOTHING`,
    )
    .bind(p.tenantId, p.name, ...mutableValues(p), p.createdAt, p.createdAt)
    .run();
  return res.meta.changes > 0;
}

/** Replaces a provider's mutable fields. */
export async function updateProvider(db: D1Database, p: StoredProvider): Promise<void> {
  await db
    .prepare(
      `UPDATE tenant_providers SET base_url = ?, key_ciphertext = ?, key_hint = ?, models = ?, capabilities = ?,
         shutdown_dates = ?, updated_at = ? WHERE tenant_id = ? AND name = ?`,
    )
    .bind(...mutableValues(p), p.updatedAt, p.tenantId, p.name)
    .run();
}

/** Records the shutdown dates a provider's `/v1/models` announced (merged over the known ones). */
export async function saveShutdownDates(
  db: D1Database,
  tenantId: string,
  name: string,
  dates: Record<string, string>,
): Promise<void> {
  await db
    .prepare(
      "UPDATE tenant_providers SET shutdown_dates = json_patch(shutdown_dates, ?) WHERE tenant_id = ? AND name = ?",
    )
    .bind(JSON.stringify(dates), tenantId, name)
    .run();
}

export async function deleteProvider(db: D1Database, tenantId: string, name: string): Promise<boolean> {
  const res = await db
    .prepare("DELETE FROM tenant_providers WHERE tenant_id = ? AND name = ?")
    .bind(tenantId, name)
    .run();
  return res.meta.changes > 0;
}
