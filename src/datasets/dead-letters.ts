/**
 * Captures the database would not take, kept instead of lost: a row too big for D1 (`too_large`)
 * or a capture every delivery of the capture queue failed to write (`refused`, from the dead-letter
 * queue's consumer). The summary is a row of `capture_dead_letters`; the record itself is sealed in
 * R2 (`body_ref`, docs/storage.md). Rows kept before that hold it gzip-compressed in `record_gz`.
 * Listed and replayed through the admin API (src/datasets/dead-letter-routes.ts).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
import { newId } from "../identity/crypto";
import type { Bindings } from "../platform/env";
import { findOwned } from "../platform/owned-repository";
import { readRecord, writeSegment } from "../storage/segments";
import type { CaptureMessage } from "./capture-consumer";

export type DeadLetterReason = "too_large" | "refused";

export interface DeadLetterRow {
  id: string;
  tenant_id: string;
  capture_id: string;
  kind: string;
  model: string;
  reason: DeadLetterReason;
  /** Rows kept before records moved to R2: D1 reads a BLOB back as an array of byte values. */
  record_gz: ArrayBuffer | number[] | null;
  /** The record's segment reference (rows kept since). */
  body_ref: string | null;
  record_bytes: number;
  attempts: number;
  last_error: string;
  created_at: number;
}

/** Whether a D1 error says the row is too big (it will never be taken, however often retried). */
export function isTooBig(err: unknown): boolean {
  return /too big|SQLITE_TOOBIG|too large/i.test(String(err));
}

async function gunzip(bytes: ArrayBuffer | number[]): Promise<string> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/**
 * Keeps `record` as a dead letter (its record sealed in R2, its summary in D1); answers the dead
 * letter's id. Once per capture: a capture already kept answers the existing dead letter.
 */
export async function addDeadLetter(
  env: Pick<Bindings, "DB" | "BLOBS">,
  record: CaptureMessage,
  reason: DeadLetterReason,
  attempts: number,
  error: unknown,
): Promise<string> {
  const existing = await env.DB.prepare(
    "SELECT id FROM capture_dead_letters WHERE tenant_id = ? AND capture_id = ?",
  )
    .bind(record.tenantId, record.id)
    .first<{ id: string }>();
  if (existing) return existing.id;
  const json = JSON.stringify(record);
  const [ref] = await writeSegment(env.BLOBS, record.tenantId, [json]);
  const id = newId("cdl");
  await env.DB.prepare(
    `INSERT INTO capture_dead_letters
        (id, tenant_id, capture_id, kind, model, reason, record_gz, body_ref, record_bytes, attempts, last_error, created_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      record.tenantId,
      record.id,
      "kind" in record ? record.kind : "",
      "model" in record ? record.model.slice(0, 256) : "",
      reason,
      ref ?? null,
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
 * records (`kept` says whether the record is there); and the total. Null when `after` names none of
 * the tenant's dead letters.
 */
export async function listDeadLetters(
  db: D1Database,
  tenantId: string,
  limit: number,
  after: string | null,
): Promise<{ rows: (DeadLetterRow & { kept: number })[]; hasMore: boolean; total: number } | null> {
  const cursor = after
    ? "AND (created_at, id) > (SELECT created_at, id FROM capture_dead_letters WHERE tenant_id = ?1 AND id = ?2)"
    : "AND ?2 IS NULL";
  const [page, count] = await db.batch([
    db
      .prepare(
        `SELECT id, tenant_id, capture_id, kind, model, reason, NULL AS record_gz, NULL AS body_ref,
           record_bytes, attempts, last_error, created_at,
           (record_gz IS NOT NULL OR body_ref IS NOT NULL) AS kept
         FROM capture_dead_letters WHERE tenant_id = ?1 ${cursor} ORDER BY created_at, id LIMIT ?3`,
      )
      .bind(tenantId, after, limit + 1),
    db.prepare("SELECT COUNT(*) AS n FROM capture_dead_letters WHERE tenant_id = ?").bind(tenantId),
  ]);
  const rows = (page?.results ?? []) as (DeadLetterRow & { kept: number })[];
  // Only an empty page tells a cursor that places nothing from the list's end.
  if (rows.length === 0 && after !== null) {
    const known = await findOwned(
      db,
      "capture_dead_letters",
      { column: "id", value: after },
      { tenantId },
      "1 AS found",
    );
    if (!known) return null;
  }
  const total = ((count?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0;
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit, total };
}

export function getDeadLetter(db: D1Database, tenantId: string, id: string): Promise<DeadLetterRow | null> {
  return findOwned<DeadLetterRow>(db, "capture_dead_letters", { column: "id", value: id }, { tenantId });
}

/** The kept record, or null when only its summary could be kept. */
export async function deadLetterRecord(
  env: Pick<Bindings, "BLOBS">,
  row: DeadLetterRow,
): Promise<CaptureMessage | null> {
  if (row.body_ref) {
    const text = await readRecord(env.BLOBS, row.tenant_id, row.body_ref);
    return text === null ? null : (JSON.parse(text) as CaptureMessage);
  }
  if (!row.record_gz) return null;
  return JSON.parse(await gunzip(row.record_gz)) as CaptureMessage;
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
