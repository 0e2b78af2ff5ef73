/**
 * Ended Realtime sessions' transcripts in R2. While a session is live its conversation items are rows
 * of `realtime_items` (the relay upserts them as transcripts and tool outputs arrive); once it has
 * ended, its items become one sealed record in an R2 segment (src/storage/segments.ts), the session
 * row gains `transcript_ref`, and the item rows go. D1 then holds one row per session whatever its
 * length (the row keeps the instructions: session lists show them).
 *
 * Two paths reach it: the session's Durable Object archives right after it wrote the session's end
 * (`archiveSessions`), and the cron sweeps whatever that missed (`archiveEndedSessions`: an object
 * that failed, or sessions ended before this existed). Both are idempotent: the D1 update only applies
 * to a session not yet archived, so a repeat leaves at most unreachable bytes in R2.
 * @see docs/storage.md
 */
import { readRecord, writeSegment } from "../../storage/segments";
import type { ItemRow } from "./sessions-repository";

/** What an archived transcript holds. */
export interface ArchivedTranscript {
  items: ItemRow[];
}

/** Where sessions and their bodies live. */
export interface RecordStores {
  DB: D1Database;
  BLOBS: R2Bucket;
}

const ITEM_COLUMNS = `item_id, ordinal, type, role, text, name, call_id, arguments, output, server_tool,
  tool_error, tool_duration_ms`;

/** Sessions archived per batch, and at most per sweep by default. */
const SWEEP_BATCH = 50;
const SWEEP_LIMIT = 1000;

/**
 * Moves the transcripts of these sessions of one tenant (ended, not yet archived: `archiveSessions`
 * chose them) to R2. A session archived meanwhile by another caller keeps its first transcript: the
 * update only applies while `transcript_ref` is unset, and the items are deleted only under that.
 */
async function archiveTenantSessions(stores: RecordStores, tenantId: string, ids: readonly string[]) {
  const { DB: db } = stores;
  const results = await db.batch(
    ids.map((id) =>
      db.prepare(`SELECT ${ITEM_COLUMNS} FROM realtime_items WHERE session_id = ? ORDER BY ordinal`).bind(id),
    ),
  );
  const archive = ids.map((id, i) => {
    const transcript: ArchivedTranscript = { items: (results[i]?.results ?? []) as ItemRow[] };
    return { id, body: JSON.stringify(transcript) };
  });
  if (archive.length === 0) return 0;
  const refs = await writeSegment(
    stores.BLOBS,
    tenantId,
    archive.map((a) => a.body),
  );
  await db.batch(
    archive.flatMap((a, i) => [
      db
        .prepare(
          "UPDATE realtime_sessions SET transcript_ref = ? WHERE id = ? AND tenant_id = ? AND transcript_ref IS NULL",
        )
        .bind(refs[i], a.id, tenantId),
      db
        .prepare(
          "DELETE FROM realtime_items WHERE session_id = ? AND EXISTS (SELECT 1 FROM realtime_sessions WHERE id = ? AND transcript_ref = ?)",
        )
        .bind(a.id, a.id, refs[i]),
    ]),
  );
  return archive.length;
}

/** Archives these sessions (any tenants); answers how many were archived now. */
export async function archiveSessions(stores: RecordStores, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { results } = await stores.DB.prepare(
    // One JSON parameter whatever the count: D1 binds at most 100 values per statement.
    `SELECT id, tenant_id FROM realtime_sessions WHERE id IN (SELECT value FROM json_each(?))
     AND status = 'ended' AND transcript_ref IS NULL`,
  )
    .bind(JSON.stringify(ids))
    .all<{ id: string; tenant_id: string }>();
  const byTenant = new Map<string, string[]>();
  for (const row of results) {
    const list = byTenant.get(row.tenant_id) ?? [];
    list.push(row.id);
    byTenant.set(row.tenant_id, list);
  }
  let archived = 0;
  for (const [tenantId, tenantIds] of byTenant) {
    archived += await archiveTenantSessions(stores, tenantId, tenantIds);
  }
  return archived;
}

/**
 * Archives up to `limit` sessions that ended at least `graceSeconds` ago and are still in D1, oldest
 * first, in batches; answers how many were archived and how many remain. Resumable: run it again.
 */
export async function archiveEndedSessions(
  stores: RecordStores,
  options: { graceSeconds?: number; limit?: number; nowMs?: number } = {},
): Promise<{ archived: number; remaining: number }> {
  const endedBefore = Math.floor((options.nowMs ?? Date.now()) / 1000) - (options.graceSeconds ?? 60);
  const pending = stores.DB.prepare(
    `SELECT id FROM realtime_sessions WHERE status = 'ended' AND transcript_ref IS NULL AND ended_at <= ?
     ORDER BY ended_at LIMIT ?`,
  );
  const limit = options.limit ?? SWEEP_LIMIT;
  let archived = 0;
  while (archived < limit) {
    const batch = Math.min(SWEEP_BATCH, limit - archived);
    const { results } = await pending.bind(endedBefore, batch).all<{ id: string }>();
    if (results.length === 0) break;
    const now = await archiveSessions(
      stores,
      results.map((r) => r.id),
    );
    archived += now;
    if (now === 0) break;
  }
  const left = await stores.DB.prepare(
    "SELECT COUNT(*) AS n FROM realtime_sessions WHERE status = 'ended' AND transcript_ref IS NULL AND ended_at <= ?",
  )
    .bind(endedBefore)
    .first<{ n: number }>();
  return { archived, remaining: left?.n ?? 0 };
}

/** An archived session's transcript, read back from R2. */
export async function readTranscript(
  stores: RecordStores,
  tenantId: string,
  ref: string,
): Promise<ArchivedTranscript | null> {
  const body = await readRecord(stores.BLOBS, tenantId, ref);
  return body === null ? null : (JSON.parse(body) as ArchivedTranscript);
}
