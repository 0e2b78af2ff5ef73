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
