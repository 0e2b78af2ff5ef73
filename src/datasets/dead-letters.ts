/**
 * Captures the database would not take, kept instead of lost: a row too big for D1 (`too_large`)
 * or a record the capture buffer failed to write `MAX_CAPTURE_ATTEMPTS` times (`refused`). Each is
 * stored gzip-compressed in `capture_dead_letters`, listed and retried through the admin API
 * (src/datasets/dead-letter-routes.ts).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
import { newId } from "../identity/crypto";
import { findOwned } from "../platform/owned-repository";
import type { CaptureRecord } from "./completions-repository";

/** Attempts the capture buffer makes before a record moves here. */
export const MAX_CAPTURE_ATTEMPTS = 5;
/** Bytes of compressed record a dead-letter row may hold (D1 refuses rows over 2,000,000 bytes). */
const RECORD_GZ_MAX_BYTES = 1_900_000;

export type DeadLetterReason = "too_large" | "refused";

export interface DeadLetterRow {
  id: string;
  tenant_id: string;
  capture_id: string;
  kind: string;
  model: string;
  reason: DeadLetterReason;
  /** D1 reads a BLOB back as an array of byte values. */
  record_gz: ArrayBuffer | number[] | null;
  record_bytes: number;
  attempts: number;
  last_error: string;
  created_at: number;
}

/** Whether a D1 error says the row is too big (it will never be taken, however often retried). */
export function isTooBig(err: unknown): boolean {
  return /too big|SQLITE_TOOBIG|too large/i.test(String(err));
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzip(bytes: ArrayBuffer | number[]): Promise<string> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/** Keeps `record` as a dead letter; answers the dead letter's id. */
export async function addDeadLetter(
  db: D1Database,
  record: CaptureRecord,
  reason: DeadLetterReason,
  attempts: number,
  error: unknown,
): Promise<string> {
  const json = JSON.stringify(record);
  const gz = await gzip(json);
  const id = newId("cdl");
  await db
    .prepare(
      `INSERT INTO capture_dead_letters
        (id, tenant_id, capture_id, kind, model, reason, record_gz, record_bytes, attempts, last_error, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      id,
      record.tenantId,
      record.id,
      record.kind,
      record.model.slice(0, 256),
      reason,
      gz.byteLength <= RECORD_GZ_MAX_BYTES ? gz : null,
      new TextEncoder().encode(json).byteLength,
      attempts,
      String(error).slice(0, 1000),
      Date.now(),
    )
    .run();
  return id;
}

/**
 * One page of a tenant's dead letters, oldest first, after the dead letter `after`, without their
 * records (`kept` says whether the record is there); and the total.
 */
export async function listDeadLetters(
  db: D1Database,
  tenantId: string,
  limit: number,
  after: string | null,
): Promise<{ rows: (DeadLetterRow & { kept: number })[]; hasMore: boolean; total: number }> {
  const cursor = after
    ? "AND (created_at, id) > (SELECT created_at, id FROM capture_dead_letters WHERE tenant_id = ?1 AND id = ?2)"
    : "AND ?2 IS NULL";
  const [page, count] = await db.batch([
    db
      .prepare(
        `SELECT id, tenant_id, capture_id, kind, model, reason, NULL AS record_gz, record_bytes, attempts,
           last_error, created_at, record_gz IS NOT NULL AS kept
         FROM capture_dead_letters WHERE tenant_id = ?1 ${cursor} ORDER BY created_at, id LIMIT ?3`,
      )
      .bind(tenantId, after, limit + 1),
    db.prepare("SELECT COUNT(*) AS n FROM capture_dead_letters WHERE tenant_id = ?").bind(tenantId),
  ]);
  const rows = (page?.results ?? []) as (DeadLetterRow & { kept: number })[];
  const total = ((count?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0;
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit, total };
}

export function getDeadLetter(db: D1Database, tenantId: string, id: string): Promise<DeadLetterRow | null> {
  return findOwned<DeadLetterRow>(db, "capture_dead_letters", { column: "id", value: id }, { tenantId });
}

/** The kept record, or null when only its summary could be kept. */
export async function deadLetterRecord(row: DeadLetterRow): Promise<CaptureRecord | null> {
  if (!row.record_gz) return null;
  return JSON.parse(await gunzip(row.record_gz)) as CaptureRecord;
}

export async function forgetDeadLetter(db: D1Database, tenantId: string, id: string): Promise<void> {
  await db
    .prepare("DELETE FROM capture_dead_letters WHERE tenant_id = ? AND id = ?")
    .bind(tenantId, id)
    .run();
}

export async function noteRetryFailed(
  db: D1Database,
  tenantId: string,
  id: string,
  error: unknown,
): Promise<void> {
  await db
    .prepare(
      "UPDATE capture_dead_letters SET attempts = attempts + 1, last_error = ? WHERE tenant_id = ? AND id = ?",
    )
    .bind(String(error).slice(0, 1000), tenantId, id)
    .run();
}
