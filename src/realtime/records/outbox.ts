/**
 * The Durable Object's durable queue of D1 writes. Records are appended to the object's own SQLite
 * storage as the relay produces them (a local write) and sent to D1 in batches by the alarm, so a
 * slow or failing D1 never slows the relay and nothing is lost while it is down.
 * @see https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 */
import type { RealtimeRecord } from "./session-records";
import { statementsFor } from "./sessions-repository";

export const OUTBOX_DDL = [
  "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS live_sessions (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL)",
];

/** Marks the live sessions that are WebRTC calls' sidebands (their id is the call id). */
export const LIVE_SESSIONS_CALL_DDL = "ALTER TABLE live_sessions ADD COLUMN call INTEGER NOT NULL DEFAULT 0";

/** Records sent to D1 per batch. */
const BATCH_RECORDS = 200;

export class Outbox {
  private count: number;

  constructor(private readonly sql: SqlStorage) {
    this.count = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }

  get pending(): number {
    return this.count;
  }

  add(record: RealtimeRecord): void {
    this.sql.exec("INSERT INTO outbox (body) VALUES (?)", JSON.stringify(record));
    this.count++;
  }

  /**
   * Sends every queued record to D1, oldest first; a failed batch stays queued for the next try.
   * Answers the sessions whose end was written (their transcripts can be archived).
   */
  async flush(db: D1Database): Promise<string[]> {
    const ended: string[] = [];
    while (this.count > 0) {
      const rows = this.sql
        .exec<{ seq: number; body: string }>(
          "SELECT seq, body FROM outbox ORDER BY seq LIMIT ?",
          BATCH_RECORDS,
        )
        .toArray();
      if (rows.length === 0) {
        this.count = 0;
        return ended;
      }
      const records = rows.map((row) => JSON.parse(row.body) as RealtimeRecord);
      try {
        await db.batch(records.flatMap((r) => statementsFor(db, r)));
      } catch (err) {
        await this.isolateFailure(db, rows[0] as { seq: number; body: string }, err);
        continue;
      }
      this.remove(rows[rows.length - 1]?.seq ?? 0, rows.length);
      for (const r of records) {
        if (r.kind === "session_end" || r.kind === "session_abandoned") ended.push(r.id);
      }
    }
    return ended;
  }

  /**
   * After a failed batch, writes the oldest record alone: a record D1 refuses for good (a constraint,
   * e.g. its tenant was deleted) is dropped so it cannot block the queue; any other error is thrown
   * and the whole queue waits for the next try.
   */
  private async isolateFailure(db: D1Database, row: { seq: number; body: string }, batchError: unknown) {
    try {
      await db.batch(statementsFor(db, JSON.parse(row.body) as RealtimeRecord));
    } catch (err) {
      if (!/constraint/i.test(String(err))) throw batchError;
      console.error(
        JSON.stringify({ level: "error", message: "realtime record dropped", error: String(err) }),
      );
    }
    this.remove(row.seq, 1);
  }

  private remove(throughSeq: number, rows: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq <= ?", throughSeq);
    this.count = Math.max(0, this.count - rows);
  }
}

/**
 * Sessions this object is serving, so a restarted object can mark them ended in D1 and hang up the
 * calls among them.
 */
export class LiveSessions {
  constructor(private readonly sql: SqlStorage) {}

  add(id: string, startedAt: number, call: boolean): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO live_sessions (id, started_at, call) VALUES (?, ?, ?)",
      id,
      startedAt,
      call ? 1 : 0,
    );
  }

  remove(id: string): void {
    this.sql.exec("DELETE FROM live_sessions WHERE id = ?", id);
  }

  /** Takes every session left over from before a restart; `call`: a WebRTC call's sideband. */
  takeAll(): { id: string; call: boolean }[] {
    const sessions = this.sql
      .exec<{ id: string; call: number }>("SELECT id, call FROM live_sessions")
      .toArray()
      .map((r) => ({ id: r.id, call: r.call === 1 }));
    this.sql.exec("DELETE FROM live_sessions");
    return sessions;
  }
}
