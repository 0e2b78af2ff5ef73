/**
 * D1 storage of evaluations and their per-item results.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */

export interface EvalRow {
  id: string;
  tenant_id: string;
  dataset_id: string;
  status: "queued" | "in_progress" | "completed" | "failed";
  models: string;
  grader: string;
  max_items: number;
  total: number;
  done: number;
  summary: string | null;
  error: string | null;
  created_at: number;
  completed_at: number | null;
}

export interface ItemRow {
  eval_id: string;
  example_seq: number;
  example_id: string;
  result: string;
}

export async function insertEval(db: D1Database, e: EvalRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO evals (id, tenant_id, dataset_id, status, models, grader, max_items, total, done, summary, error, created_at, completed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      e.id,
      e.tenant_id,
      e.dataset_id,
      e.status,
      e.models,
      e.grader,
      e.max_items,
      e.total,
      e.done,
      e.summary,
      e.error,
      e.created_at,
      e.completed_at,
    )
    .run();
}

/** A dataset's evaluations, newest first. */
export async function listEvals(
  db: D1Database,
  tenantId: string,
  datasetId: string,
  limit: number,
): Promise<EvalRow[]> {
  const { results } = await db
    .prepare(
      "SELECT * FROM evals WHERE tenant_id = ? AND dataset_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
    )
    .bind(tenantId, datasetId, limit)
    .all<EvalRow>();
  return results;
}

export async function getEval(db: D1Database, id: string): Promise<EvalRow | null> {
  return db.prepare("SELECT * FROM evals WHERE id = ?").bind(id).first<EvalRow>();
}

/** Stores a batch of item results and advances the progress counter in one transaction. */
export async function saveItems(
  db: D1Database,
  evalId: string,
  items: readonly Omit<ItemRow, "eval_id">[],
): Promise<void> {
  const insert = db.prepare(
    "INSERT OR REPLACE INTO eval_items (eval_id, example_seq, example_id, result) VALUES (?, ?, ?, ?)",
  );
  await db.batch([
    ...items.map((i) => insert.bind(evalId, i.example_seq, i.example_id, i.result)),
    db
      .prepare(
        "UPDATE evals SET status = 'in_progress', done = (SELECT COUNT(*) FROM eval_items WHERE eval_id = ?) WHERE id = ?",
      )
      .bind(evalId, evalId),
  ]);
}

export async function listItems(db: D1Database, evalId: string): Promise<ItemRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM eval_items WHERE eval_id = ? ORDER BY example_seq")
    .bind(evalId)
    .all<ItemRow>();
  return results;
}

export async function finishEval(
  db: D1Database,
  id: string,
  outcome: { status: "completed" | "failed"; summary: string | null; error: string | null },
): Promise<void> {
  await db
    .prepare("UPDATE evals SET status = ?, summary = ?, error = ?, completed_at = ? WHERE id = ?")
    .bind(outcome.status, outcome.summary, outcome.error, Math.floor(Date.now() / 1000), id)
    .run();
}

/** The last example already graded (items are processed in `seq` order). */
export async function lastItemSeq(db: D1Database, evalId: string): Promise<number> {
  const row = await db
    .prepare("SELECT COALESCE(MAX(example_seq), 0) AS seq FROM eval_items WHERE eval_id = ?")
    .bind(evalId)
    .first<{ seq: number }>();
  return row?.seq ?? 0;
}
