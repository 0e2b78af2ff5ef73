/**
 * D1 records of the provider objects each tenant owns: files, fine-tuning jobs and fine-tuned models
 * created through the gateway on the shared provider account. Ownership answers every read, and the
 * records (with a copy of each object as last seen) are the only source of a tenant's lists.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */

export type OwnedKind = "file" | "fine_tuning.job" | "model";

export interface OwnedRow {
  tenant_id: string;
  object_id: string;
  kind: OwnedKind;
  created_at: number;
  /** The provider's object as last seen (JSON), or null for records made before copies were kept. */
  body: string | null;
  base_url: string | null;
  purpose: string | null;
  status: string | null;
  expires_at: number | null;
}

export interface OwnedRecord {
  tenantId: string;
  id: string;
  kind: OwnedKind;
  /** The provider's `created_at` (what lists sort on); defaults to now. */
  createdAt?: number | undefined;
  body?: Record<string, unknown> | null;
  baseUrl?: string | null;
  purpose?: string | null;
  status?: string | null;
  expiresAt?: number | null;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Records `id` as the tenant's, or refreshes the tenant's copy of it. An id already recorded for
 * another tenant is left alone: an object has one owner.
 */
export async function recordOwned(db: D1Database, r: OwnedRecord): Promise<void> {
  await db
    .prepare(
      `INSERT INTO upstream_objects (tenant_id, object_id, kind, created_at, body, base_url, purpose, status, expires_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
       WHERE NOT EXISTS (SELECT 1 FROM upstream_objects WHERE object_id = ?2 AND tenant_id <> ?1)
       ON CONFLICT (tenant_id, object_id) DO UPDATE SET
         body = COALESCE(excluded.body, body), base_url = COALESCE(excluded.base_url, base_url),
         purpose = COALESCE(excluded.purpose, purpose), status = COALESCE(excluded.status, status),
         expires_at = COALESCE(excluded.expires_at, expires_at)`,
    )
    .bind(
      r.tenantId,
      r.id,
      r.kind,
      r.createdAt ?? nowSeconds(),
      r.body ? JSON.stringify(r.body) : null,
      r.baseUrl ?? null,
      r.purpose ?? null,
      r.status ?? null,
      r.expiresAt ?? null,
    )
    .run();
}

export async function ownedObject(
  db: D1Database,
  tenantId: string,
  id: string,
  kind: OwnedKind,
): Promise<OwnedRow | null> {
  return db
    .prepare("SELECT * FROM upstream_objects WHERE tenant_id = ? AND object_id = ? AND kind = ?")
    .bind(tenantId, id, kind)
    .first<OwnedRow>();
}

/**
 * Which of `ids` are objects of `kind` the tenant owns, with the API each was made on (`base_url`,
 * null in rows recorded before it was kept), in one query whatever their number (the ids go in as
 * one JSON array, so no bound-parameter limit applies): a model call naming several files costs one read.
 */
export async function ownedObjectBaseUrls(
  db: D1Database,
  tenantId: string,
  ids: readonly string[],
  kind: OwnedKind,
): Promise<Map<string, string | null>> {
  const { results } = await db
    .prepare(
      "SELECT object_id, base_url FROM upstream_objects WHERE tenant_id = ? AND kind = ? AND object_id IN (SELECT value FROM json_each(?))",
    )
    .bind(tenantId, kind, JSON.stringify(ids))
    .all<{ object_id: string; base_url: string | null }>();
  return new Map(results.map((r) => [r.object_id, r.base_url]));
}

/** The record of an object whatever its tenant (for the provider's webhooks and the cron). */
export async function ownerOf(db: D1Database, id: string, kind: OwnedKind): Promise<OwnedRow | null> {
  return db
    .prepare("SELECT * FROM upstream_objects WHERE object_id = ? AND kind = ? LIMIT 1")
    .bind(id, kind)
    .first<OwnedRow>();
}

export async function forgetOwned(db: D1Database, tenantId: string, id: string): Promise<void> {
  await db
    .prepare("DELETE FROM upstream_objects WHERE tenant_id = ? AND object_id = ?")
    .bind(tenantId, id)
    .run();
}

/** The fine-tuned model names the tenant owns. */
export async function ownedModels(db: D1Database, tenantId: string): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT object_id FROM upstream_objects WHERE tenant_id = ? AND kind = 'model'")
    .bind(tenantId)
    .all<{ object_id: string }>();
  return results.map((r) => r.object_id);
}

/** Unfinished pass-through jobs (those not started from a dataset), oldest first, for the cron. */
export async function unfinishedOwnedJobs(
  db: D1Database,
  finished: readonly string[],
  limit: number,
): Promise<OwnedRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM upstream_objects WHERE kind = 'fine_tuning.job'
       AND status IS NOT NULL AND status NOT IN (${finished.map(() => "?").join(", ")})
       AND object_id NOT IN (SELECT id FROM fine_tuning_jobs) ORDER BY created_at LIMIT ?`,
    )
    .bind(...finished, limit)
    .all<OwnedRow>();
  return results;
}

export interface OwnedPageQuery {
  tenantId: string;
  kind: OwnedKind;
  /** The id of the last object of the previous page (itself one of the tenant's). */
  after: string | null;
  limit: number;
  order: "asc" | "desc";
  purpose?: string | undefined;
  /** `metadata[key]=value` filters, matched against the kept copy. */
  metadata?: readonly (readonly [string, string])[];
}

/**
 * One page of the tenant's objects of a kind, newest first (or oldest with `order: "asc"`), plus
 * whether more follow. An `after` that is not the tenant's matches nothing, as the provider does.
 */
export async function pageOwned(
  db: D1Database,
  q: OwnedPageQuery,
): Promise<{ rows: OwnedRow[]; hasMore: boolean }> {
  const where = ["tenant_id = ?", "kind = ?", "(expires_at IS NULL OR expires_at > ?)"];
  const binds: (string | number)[] = [q.tenantId, q.kind, nowSeconds()];
  if (q.purpose) {
    where.push("purpose = ?");
    binds.push(q.purpose);
  }
  for (const [key, value] of q.metadata ?? []) {
    where.push("json_extract(body, ?) = ?");
    binds.push(`$.metadata."${key}"`, value);
  }
  const cmp = q.order === "asc" ? ">" : "<";
  if (q.after !== null) {
    where.push(
      `(created_at, object_id) ${cmp} (SELECT created_at, object_id FROM upstream_objects WHERE tenant_id = ? AND kind = ? AND object_id = ?)`,
    );
    binds.push(q.tenantId, q.kind, q.after);
  }
  const dir = q.order === "asc" ? "ASC" : "DESC";
  const { results } = await db
    .prepare(
      `SELECT * FROM upstream_objects WHERE ${where.join(" AND ")} ORDER BY created_at ${dir}, object_id ${dir} LIMIT ?`,
    )
    .bind(...binds, q.limit + 1)
    .all<OwnedRow>();
  return { rows: results.slice(0, q.limit), hasMore: results.length > q.limit };
}
