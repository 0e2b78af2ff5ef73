/**
 * D1 index of captured completions: rows written by the capture queue's consumer
 * (`capture-consumer.ts`), and the reads behind the stored-completions API, feedback and dataset
 * import. A row written since bodies moved to R2 has `request = ''`, `answer = ''` and its body in
 * a segment named by `body_ref` (`completion-bodies.ts` resolves both kinds); filters, paging and
 * metadata stay in SQL (docs/storage.md).
 * @see https://developers.cloudflare.com/d1/worker-api/
 */

import type { Owner } from "../identity/principal";
import type { Bindings } from "../platform/env";
import { deleteOwned, findOwned } from "../platform/owned-repository";
import { withBodies } from "./completion-bodies";
import type { Metadata } from "./metadata";

/** One captured call: what the capture hook enqueues and the consumer indexes. */
export interface CaptureRecord {
  id: string;
  tenantId: string;
  kind: "chat" | "responses";
  model: string;
  request: string;
  answer: string;
  metadata: Metadata;
  userId: string | null;
  cacheStatus: string;
  latencyMs: number;
  inputTokens: number | null;
  outputTokens: number | null;
  createdMs: number;
  /** The body's segment reference; `request` and `answer` are then empty (docs/storage.md). */
  bodyRef?: string;
}

export interface CompletionRow {
  seq: number;
  id: string;
  tenant_id: string;
  kind: string;
  model: string;
  request: string;
  answer: string;
  metadata: string;
  user_id: string | null;
  cache_status: string;
  latency_ms: number;
  input_tokens: number | null;
  output_tokens: number | null;
  created_ms: number;
  feedback_score: number | null;
  feedback_correction: string | null;
  feedback_at: number | null;
  /** Null for rows written before bodies moved to R2 (their body is inline). */
  body_ref: string | null;
}

const INSERT = `INSERT OR IGNORE INTO stored_completions
  (id, tenant_id, kind, model, request, answer, metadata, user_id, cache_status, latency_ms,
   input_tokens, output_tokens, created_ms, body_ref)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function insertStatement(db: D1Database, r: CaptureRecord): D1PreparedStatement {
  return db
    .prepare(INSERT)
    .bind(
      r.id,
      r.tenantId,
      r.kind,
      r.model,
      r.request,
      r.answer,
      JSON.stringify(r.metadata),
      r.userId,
      r.cacheStatus,
      r.latencyMs,
      r.inputTokens,
      r.outputTokens,
      r.createdMs,
      r.bodyRef ?? null,
    );
}

/** Writes captured calls in one batch (idempotent: a record already written is ignored). */
export async function insertCompletions(db: D1Database, records: readonly CaptureRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.batch(records.map((r) => insertStatement(db, r)));
}

/**
 * Which of `ids` the tenant already has, in one query (the ids travel as one JSON parameter: D1
 * binds at most 100 values per statement, and a queue batch holds up to 100 captures).
 */
export async function existingCompletionIds(
  db: D1Database,
  tenantId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare(
      "SELECT id FROM stored_completions WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))",
    )
    .bind(tenantId, JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

export interface CompletionFilter {
  kind?: "chat" | "responses";
  model?: string;
  metadata?: Metadata;
  /** Capture time window, in unix milliseconds. */
  createdAfterMs?: number;
  createdBeforeMs?: number;
  minScore?: number;
}

export interface Page {
  after?: string;
  limit: number;
  order: "asc" | "desc";
}

function whereOf(tenantId: string, f: CompletionFilter): { sql: string; args: unknown[] } {
  const parts = ["tenant_id = ?"];
  const args: unknown[] = [tenantId];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    args.push(...values);
  };
  if (f.kind) add("kind = ?", f.kind);
  if (f.model) add("model = ?", f.model);
  for (const [k, v] of Object.entries(f.metadata ?? {})) {
    add("EXISTS (SELECT 1 FROM json_each(metadata) WHERE json_each.key = ? AND json_each.value = ?)", k, v);
  }
  if (f.createdAfterMs !== undefined) add("created_ms >= ?", f.createdAfterMs);
  if (f.createdBeforeMs !== undefined) add("created_ms < ?", f.createdBeforeMs);
  if (f.minScore !== undefined) add("feedback_score >= ?", f.minScore);
  return { sql: parts.join(" AND "), args };
}

/**
 * One page of the owner's completions (the tenant's, or one end user's), newest or oldest first,
 * after a cursor id; `limit + 1` rows tell `has_more`. Null when the cursor names no completion of
 * the owner (deleted, past the retention, or never theirs): its place in the order is unknown.
 */
export async function listCompletions(
  db: D1Database,
  owner: Owner,
  filter: CompletionFilter,
  page: Page,
): Promise<CompletionRow[] | null> {
  const tenantId = owner.tenantId;
  const where = whereOf(tenantId, filter);
  if (owner.userId !== null) {
    where.sql += " AND user_id = ?";
    where.args.push(owner.userId);
  }
  const cmp = page.order === "asc" ? ">" : "<";
  if (page.after) {
    const byUser = owner.userId !== null ? " AND user_id = ?" : "";
    where.sql += ` AND (created_ms, seq) ${cmp} (SELECT created_ms, seq FROM stored_completions WHERE tenant_id = ? AND id = ?${byUser})`;
    where.args.push(tenantId, page.after, ...(owner.userId !== null ? [owner.userId] : []));
  }
  const dir = page.order === "asc" ? "ASC" : "DESC";
  const { results } = await db
    .prepare(
      `SELECT * FROM stored_completions WHERE ${where.sql} ORDER BY created_ms ${dir}, seq ${dir} LIMIT ?`,
    )
    .bind(...where.args, page.limit + 1)
    .all<CompletionRow>();
  // An empty page after a cursor is the list's end, or a cursor that places nothing: only then is
  // the cursor looked up (no second round trip on the pages before).
  if (results.length === 0 && page.after && !(await ownsCompletion(db, owner, page.after))) return null;
  return results;
}

function ownsCompletion(db: D1Database, owner: Owner, id: string): Promise<unknown> {
  return findOwned(db, "stored_completions", { column: "id", value: id }, owner, "1 AS found");
}

/** One completion of the owner: the tenant's, or for an end user only one captured for that user. */
export function getCompletion(db: D1Database, owner: Owner, id: string): Promise<CompletionRow | null> {
  return findOwned<CompletionRow>(db, "stored_completions", { column: "id", value: id }, owner);
}

export async function updateMetadata(
  db: D1Database,
  tenantId: string,
  id: string,
  metadata: Metadata,
): Promise<boolean> {
  const res = await db
    .prepare("UPDATE stored_completions SET metadata = ? WHERE tenant_id = ? AND id = ?")
    .bind(JSON.stringify(metadata), tenantId, id)
    .run();
  return res.meta.changes > 0;
}

export function deleteCompletion(db: D1Database, tenantId: string, id: string): Promise<boolean> {
  return deleteOwned(db, "stored_completions", { column: "id", value: id }, { tenantId });
}

export interface Feedback {
  score: number;
  correction: string | null;
  atSeconds: number;
}

export async function setFeedback(db: D1Database, owner: Owner, id: string, f: Feedback): Promise<boolean> {
  const res = await db
    .prepare(
      "UPDATE stored_completions SET feedback_score = ?1, feedback_correction = ?2, feedback_at = ?3 WHERE tenant_id = ?4 AND id = ?5 AND (?6 IS NULL OR user_id = ?6)",
    )
    .bind(f.score, f.correction, f.atSeconds, owner.tenantId, id, owner.userId)
    .run();
  return res.meta.changes > 0;
}

/**
 * Rows matching a filter with their bodies, oldest first, from a `seq` on (for imports that page
 * through the store): the page is selected in SQL, the bodies read from R2 in one batch.
 */
export async function scanCompletions(
  env: Pick<Bindings, "DB" | "BLOBS">,
  tenantId: string,
  filter: CompletionFilter,
  afterSeq: number,
  limit: number,
): Promise<CompletionRow[]> {
  const where = whereOf(tenantId, filter);
  const { results } = await env.DB.prepare(
    `SELECT * FROM stored_completions WHERE ${where.sql} AND seq > ? ORDER BY seq LIMIT ?`,
  )
    .bind(...where.args, afterSeq, limit)
    .all<CompletionRow>();
  return withBodies(env, results);
}
