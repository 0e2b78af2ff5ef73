import { DurableObject } from "cloudflare:workers";
import { type CaptureRecord, insertCompletions } from "../src/datasets/completions-repository";
import { addDeadLetter, isTooBig, MAX_CAPTURE_ATTEMPTS } from "../src/datasets/dead-letters";
import type { Bindings } from "../src/platform/env";
import { log } from "../src/platform/log";
import { migrateSqlSchema, type SqlSchema } from "../src/platform/sql-schema";

/** First retry after this long; each failed flush doubles it, up to the cap. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;
/** Records written to D1 per flush batch. */
const FLUSH_BATCH = 50;

/** Versioned DDL of the object's SQLite storage; entry i upgrades from version i to i + 1. */
const SCHEMA: SqlSchema = [
  ["CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL)"],
  ["ALTER TABLE pending ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0"],
];

type PendingRow = {
  seq: number;
  record: string;
  attempts: number;
};

/**
 * Durable buffer for captured completions that D1 would not take: one object per tenant. Records
 * are kept in the object's SQLite storage and written to D1 by `alarm()` with backoff, so a capture
 * survives D1 being down for as long as it takes. A batch D1 refuses is retried record by record, so
 * one bad record never holds back the others; a record refused `MAX_CAPTURE_ATTEMPTS` times (or at
 * once, when too big for a row) moves to the `capture_dead_letters` table, visible and retryable
 * through the admin API.
 */
export class CaptureBuffer extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrateSqlSchema(ctx.storage.sql, SCHEMA);
    });
  }

  /** Keeps a record until D1 takes it; an alarm is set if none is pending. */
  async enqueue(record: CaptureRecord): Promise<number> {
    this.ctx.storage.sql.exec("INSERT INTO pending (record) VALUES (?)", JSON.stringify(record));
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.put("retryMs", FIRST_RETRY_MS);
      await this.ctx.storage.setAlarm(Date.now() + FIRST_RETRY_MS);
    }
    return this.pending();
  }

  /** Records still waiting for D1. */
  pending(): number {
    const row = this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pending").one();
    return row.n;
  }

  override async alarm(): Promise<void> {
    let failed: unknown = null;
    // Each record is looked at once per alarm: a record that failed waits for the next one.
    let afterSeq = 0;
    for (;;) {
      const rows = this.ctx.storage.sql
        .exec<PendingRow>(
          "SELECT seq, record, attempts FROM pending WHERE seq > ? ORDER BY seq LIMIT ?",
          afterSeq,
          FLUSH_BATCH,
        )
        .toArray();
      if (rows.length === 0) break;
      afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
      try {
        await insertCompletions(
          this.env.DB,
          rows.map((r) => JSON.parse(r.record) as CaptureRecord),
        );
        this.ctx.storage.sql.exec("DELETE FROM pending WHERE seq <= ?", afterSeq);
      } catch {
        // Which record? Write them one by one: the good ones go, the bad one counts an attempt.
        for (const row of rows) failed = (await this.flushOne(row)) ?? failed;
      }
    }
    if (failed === null) {
      await this.ctx.storage.delete("retryMs");
      return;
    }
    const retryMs = Math.min(
      ((await this.ctx.storage.get<number>("retryMs")) ?? FIRST_RETRY_MS) * 2,
      MAX_RETRY_MS,
    );
    await this.ctx.storage.put("retryMs", retryMs);
    await this.ctx.storage.setAlarm(Date.now() + retryMs);
    log(this.env, "warn", "capture buffer flush failed", {
      pending: this.pending(),
      retry_ms: retryMs,
      error: String(failed),
    });
  }

  /** Writes one record; answers the error when it stays pending, null when it left the buffer. */
  private async flushOne(row: PendingRow): Promise<unknown> {
    const record = JSON.parse(row.record) as CaptureRecord;
    const attempts = row.attempts + 1;
    try {
      await insertCompletions(this.env.DB, [record]);
      this.ctx.storage.sql.exec("DELETE FROM pending WHERE seq = ?", row.seq);
      return null;
    } catch (err) {
      if (attempts >= MAX_CAPTURE_ATTEMPTS || isTooBig(err)) {
        try {
          const id = await addDeadLetter(
            this.env.DB,
            record,
            isTooBig(err) ? "too_large" : "refused",
            attempts,
            err,
          );
          this.ctx.storage.sql.exec("DELETE FROM pending WHERE seq = ?", row.seq);
          log(this.env, "error", "capture moved to the dead letters", {
            id: record.id,
            tenant_id: record.tenantId,
            dead_letter_id: id,
            attempts,
            error: String(err),
          });
          return null;
        } catch {
          // D1 is down altogether: the record stays pending and is tried again.
        }
      }
      this.ctx.storage.sql.exec("UPDATE pending SET attempts = ? WHERE seq = ?", attempts, row.seq);
      return err;
    }
  }
}
