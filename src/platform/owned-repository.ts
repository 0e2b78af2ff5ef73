/**
 * The one ownership lookup: a row is read only together with its owner, in SQL, so a row of another
 * tenant (or of another user of the tenant) is never loaded and answers as missing (404).
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */

/** Who owns a row: always a tenant, and a user where the row belongs to one. */
export interface Owner {
  tenantId: string;
  /** When set, only rows of this end user (the `user_id` column). */
  userId?: string | null;
}

/** The tables read by ownership; names are fixed here, never taken from a request. */
export type OwnedTable =
  | "datasets"
  | "evals"
  | "stored_completions"
  | "model_aliases"
  | "tenant_providers"
  | "capture_dead_letters";

/**
 * The row of `table` whose `keyColumn` is `key` and that `owner` owns, or null.
 * @param columns the columns to read (default all)
 */
export async function findOwned<Row>(
  db: D1Database,
  table: OwnedTable,
  key: { column: string; value: string },
  owner: Owner,
  columns = "*",
): Promise<Row | null> {
  const byUser = owner.userId ? " AND user_id = ?" : "";
  const binds = [key.value, owner.tenantId, ...(owner.userId ? [owner.userId] : [])];
  return db
    .prepare(`SELECT ${columns} FROM ${table} WHERE ${key.column} = ? AND tenant_id = ?${byUser}`)
    .bind(...binds)
    .first<Row>();
}

/** The tables whose rows are made for one dataset (`dataset_id`) of a tenant. */
export type DatasetTable = "evals" | "fine_tuning_jobs" | "training_jobs";

/** A dataset as its rows name it: its id and its tenant's. */
export interface DatasetKey {
  id: string;
  tenant_id: string;
}

/**
 * The rows of `table` made for `dataset`, newest first (`created_at`, ties by `tieBreak`): the
 * dataset's tenant is matched in SQL with its id.
 * @param options.columns the columns to read (default all)
 */
export async function listForDataset<Row>(
  db: D1Database,
  table: DatasetTable,
  dataset: DatasetKey,
  options: { tieBreak: "id" | "rowid"; limit?: number; columns?: string },
): Promise<Row[]> {
  const limit = options.limit === undefined ? [] : [options.limit];
  const order = `ORDER BY created_at DESC, ${options.tieBreak} DESC${limit.length ? " LIMIT ?" : ""}`;
  const { results } = await db
    .prepare(`SELECT ${options.columns ?? "*"} FROM ${table} WHERE tenant_id = ? AND dataset_id = ? ${order}`)
    .bind(dataset.tenant_id, dataset.id, ...limit)
    .all<Row>();
  return results;
}

/** Deletes the row of `table` whose `keyColumn` is `key` if `owner` owns it; true when one was. */
export async function deleteOwned(
  db: D1Database,
  table: OwnedTable,
  key: { column: string; value: string },
  owner: Owner,
): Promise<boolean> {
  const byUser = owner.userId ? " AND user_id = ?" : "";
  const binds = [key.value, owner.tenantId, ...(owner.userId ? [owner.userId] : [])];
  const res = await db
    .prepare(`DELETE FROM ${table} WHERE ${key.column} = ? AND tenant_id = ?${byUser}`)
    .bind(...binds)
    .run();
  return res.meta.changes > 0;
}
