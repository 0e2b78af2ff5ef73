/**
 * Versioned DDL for a Durable Object's SQLite storage: `schema[v]` holds the statements that take
 * the storage from version `v` to `v + 1`. Run once under `blockConcurrencyWhile` at start-up; an
 * object created before a version existed gets only the statements it lacks.
 * @see https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 */
export type SqlSchema = readonly (readonly string[])[];

export function migrateSqlSchema(sql: SqlStorage, schema: SqlSchema): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const version =
    sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
  for (let v = version; v < schema.length; v++) for (const ddl of schema[v] ?? []) sql.exec(ddl);
  sql.exec("DELETE FROM schema_version");
  sql.exec("INSERT INTO schema_version (version) VALUES (?)", schema.length);
}
