/**
 * The traffic time series of a tenant: the per-minute counters written by src/cache/stats.ts, summed
 * into minute, hour or day buckets for the console's overview plots.
 */

import { TRAFFIC_RETENTION_DAYS } from "./limits";
import { COLUMNS, type StatsTotals } from "./stats";

export { TRAFFIC_MAX_BUCKETS, TRAFFIC_RETENTION_DAYS } from "./limits";
export const BUCKET_SECONDS = { minute: 60, hour: 3_600, day: 86_400 } as const;
export type Bucket = keyof typeof BUCKET_SECONDS;

export type TrafficBucket = { start: number } & StatsTotals;

/**
 * The buckets with data between `since` (inclusive) and `until` (exclusive), in unix seconds,
 * ascending. Buckets start at multiples of their size (UTC).
 */
export async function readTraffic(
  db: D1Database,
  tenantId: string,
  bucket: Bucket,
  since: number,
  until: number,
): Promise<TrafficBucket[]> {
  const size = BUCKET_SECONDS[bucket];
  const sums = COLUMNS.map(([, c]) => `SUM(${c}) AS ${c}`).join(", ");
  const { results } = await db
    .prepare(
      `SELECT minute - minute % ?1 AS start, ${sums} FROM traffic_minutes
       WHERE tenant_id = ?2 AND minute >= ?3 AND minute < ?4 GROUP BY start ORDER BY start`,
    )
    .bind(size, tenantId, since - (since % 60), until)
    .all<TrafficBucket>();
  return results.map((row) => ({ ...row, cost_saved_usd: Math.round(row.cost_saved_usd * 1e6) / 1e6 }));
}

/** Removes minutes older than the retention (run from the cron). */
export async function pruneTraffic(db: D1Database, nowMs = Date.now()): Promise<void> {
  const cutoff = Math.floor(nowMs / 1000) - TRAFFIC_RETENTION_DAYS * 86_400;
  await db.prepare("DELETE FROM traffic_minutes WHERE minute < ?").bind(cutoff).run();
}
