/**
 * The resumable move of older captured completions' bodies from D1 into R2: rows written before
 * bodies moved hold `request` and `answer` inline and a NULL `body_ref`. Each call moves up to
 * `limit` of them (one segment per tenant per page), then points the rows at their segment records.
 * @see docs/storage.md (moving older rows)
 */
import type { Bindings } from "../platform/env";
import { writeSegment } from "../storage/segments";
import { captureBody } from "./completion-bodies";

/** Rows read and moved per step: their inline bodies are held in memory together (up to 2 MB each). */
const PAGE_ROWS = 25;
/** Default and largest number of rows one call moves. */
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 2_000;

export interface MigrateBodiesOptions {
  /** Only this tenant's rows (default: all tenants). */
  tenantId?: string;
  /** Rows to move in this call (default 200, at most 2,000). */
  limit?: number;
}

export interface MigrateBodiesResult {
  /** Rows whose body was moved by this call. */
  moved: number;
  /** Rows still inline after it (of the tenant, when one was given). */
  remaining: number;
}

interface InlineRow {
  seq: number;
  tenant_id: string;
  request: string;
  answer: string;
}

const TENANT_FILTER = "(?1 IS NULL OR tenant_id = ?1)";

/** Moves one page of rows of one tenant; answers how many rows took their reference. */
async function movePage(env: Pick<Bindings, "DB" | "BLOBS">, tenantId: string, rows: readonly InlineRow[]) {
  const refs = await writeSegment(
    env.BLOBS,
    tenantId,
    rows.map((r) => captureBody(r.request, r.answer)),
  );
  // Only a row still inline takes the reference: a concurrent run that got there first wins, and
  // this segment's record is then an unreadable orphan.
  const update = env.DB.prepare(
    "UPDATE stored_completions SET request = '', answer = '', body_ref = ? WHERE seq = ? AND body_ref IS NULL",
  );
  const results = await env.DB.batch(rows.map((r, i) => update.bind(refs[i] ?? null, r.seq)));
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

/**
 * Moves up to `limit` inline bodies of older stored completions to R2 and answers how many moved and
 * how many are left. Resumable and idempotent: call it again until `remaining` is 0. A crash between
 * the R2 write and the D1 update leaves the row inline, and the next call simply moves it again.
 */
export async function migrateCompletionBodies(
  env: Pick<Bindings, "DB" | "BLOBS">,
  options: MigrateBodiesOptions = {},
): Promise<MigrateBodiesResult> {
  const tenantId = options.tenantId ?? null;
  const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_LIMIT, MAX_LIMIT));
  let moved = 0;
  let afterSeq = 0;
  while (moved < limit) {
    const { results } = await env.DB.prepare(
      `SELECT seq, tenant_id, request, answer FROM stored_completions INDEXED BY stored_completions_inline
       WHERE body_ref IS NULL AND seq > ?2 AND ${TENANT_FILTER} ORDER BY seq LIMIT ?3`,
    )
      .bind(tenantId, afterSeq, Math.min(PAGE_ROWS, limit - moved))
      .all<InlineRow>();
    if (results.length === 0) break;
    afterSeq = results[results.length - 1]?.seq ?? afterSeq;
    const byTenant = new Map<string, InlineRow[]>();
    for (const row of results) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row]);
    for (const [tenant, rows] of byTenant) moved += await movePage(env, tenant, rows);
  }
  const left = await env.DB.prepare(
    `SELECT COUNT(*) AS n FROM stored_completions WHERE body_ref IS NULL AND ${TENANT_FILTER}`,
  )
    .bind(tenantId)
    .first<{ n: number }>();
  return { moved, remaining: left?.n ?? 0 };
}
