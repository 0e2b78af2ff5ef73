import { DurableObject } from "cloudflare:workers";
import { enqueueCapture } from "../src/datasets/capture";
import type { CaptureRecord } from "../src/datasets/completions-repository";
import type { Bindings } from "../src/platform/env";
import { log } from "../src/platform/log";

/** Records sent to the queue per step, and the wait before trying again after a failure. */
const DRAIN_BATCH = 50;
const RETRY_MS = 60_000;

/**
 * What remains of the per-tenant capture buffer, which kept captures D1 would not take before
 * captures went through the capture queue. Nothing writes to it any more; it stays one release so
 * that records an older version buffered are not lost with the class: its pending alarm (set when
 * those records were buffered) sends each to the capture queue, whose consumer stores it like any
 * capture (idempotent by id), then the object deletes its storage. A failed send is tried again a
 * minute later. Remove the class (a `deleted_classes` migration) once deployments have run it.
 */
export class CaptureBuffer extends DurableObject<Bindings> {
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const hasTable = sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'pending'",
      )
      .one().n;
    try {
      while (hasTable) {
        const rows = sql
          .exec<{ seq: number; record: string }>(
            "SELECT seq, record FROM pending ORDER BY seq LIMIT ?",
            DRAIN_BATCH,
          )
          .toArray();
        if (rows.length === 0) break;
        for (const row of rows) {
          await enqueueCapture(this.env, JSON.parse(row.record) as CaptureRecord);
          sql.exec("DELETE FROM pending WHERE seq = ?", row.seq);
        }
      }
    } catch (err) {
      log(this.env, "warn", "buffered captures not sent to the queue yet", { error: String(err) });
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
      return;
    }
    await this.ctx.storage.deleteAll();
  }
}
