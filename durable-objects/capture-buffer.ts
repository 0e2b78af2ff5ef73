import { DurableObject } from "cloudflare:workers";
import { type CaptureRecord, insertCompletions } from "../src/datasets/completions-repository";
import type { Bindings } from "../src/platform/env";
import { log } from "../src/platform/log";

/** First retry after this long; each failed flush doubles it, up to the cap. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;
/** Records written to D1 per flush batch. */
const FLUSH_BATCH = 50;

/**
 * Durable buffer for captured completions that D1 would not take: one object per tenant. Records
 * are kept in the object's SQLite storage and written to D1 by `alarm()` with backoff, so a capture
 * survives D1 being down for as long as it takes.
 */
export class CaptureBuffer extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        "CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL)",
      );
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
    try {
      for (;;) {
        const rows = this.ctx.storage.sql
          .exec<{ seq: number; record: string }>(
            "SELECT seq, record FROM pending ORDER BY seq LIMIT ?",
            FLUSH_BATCH,
          )
          .toArray();
        if (rows.length === 0) break;
        await insertCompletions(
          this.env.DB,
          rows.map((r) => JSON.parse(r.record) as CaptureRecord),
        );
        const last = rows[rows.length - 1]?.seq ?? 0;
        this.ctx.storage.sql.exec("DELETE FROM pending WHERE seq <= ?", last);
      }
      await this.ctx.storage.delete("retryMs");
    } catch (err) {
      const retryMs = Math.min(
        ((await this.ctx.storage.get<number>("retryMs")) ?? FIRST_RETRY_MS) * 2,
        MAX_RETRY_MS,
      );
      await this.ctx.storage.put("retryMs", retryMs);
      await this.ctx.storage.setAlarm(Date.now() + retryMs);
      log(this.env, "warn", "capture buffer flush failed", {
        pending: this.pending(),
        retry_ms: retryMs,
        error: String(err),
      });
    }
  }
}
