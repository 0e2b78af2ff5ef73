/**
 * Client secrets minted for one user (`POST /v1/realtime/client_secrets`), kept in the user's Durable
 * Object: each unexpired secret holds one of the user's concurrent-session slots until it expires,
 * since the session it starts runs between the end user and the provider, out of the gateway's sight.
 * @see docs/openai-reference.md A.3
 */

export const SECRET_HOLDS_DDL =
  "CREATE TABLE IF NOT EXISTS secret_holds (id INTEGER PRIMARY KEY AUTOINCREMENT, expires_at INTEGER NOT NULL)";

export class SecretHolds {
  constructor(private readonly sql: SqlStorage) {}

  /** Unexpired secrets at `now` (expired ones are dropped on the way). */
  count(now: number): number {
    this.sql.exec("DELETE FROM secret_holds WHERE expires_at <= ?", now);
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM secret_holds").one().n;
  }

  /** Holds a slot until `expiresAt` (ms); returns the hold's id. */
  add(expiresAt: number): number {
    this.sql.exec("INSERT INTO secret_holds (expires_at) VALUES (?)", expiresAt);
    return this.sql.exec<{ id: number }>("SELECT last_insert_rowid() AS id").one().id;
  }

  /** Gives a slot back (the secret was never handed out). */
  release(id: number): void {
    this.sql.exec("DELETE FROM secret_holds WHERE id = ?", id);
  }
}
