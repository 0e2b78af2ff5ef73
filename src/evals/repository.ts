/**
 * D1 storage of evaluations and their per-item results.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
import { parseColumn } from "../platform/json";
import { type DatasetKey, findOwned, listForDataset } from "../platform/owned-repository";
import type { Grader } from "./graders";
import type { ItemResult, ModelSummary } from "./summary";

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

/** A dataset's evaluations, newest first (their ids are random: ties in the order they were made). */
export function listEvals(db: D1Database, dataset: DatasetKey, limit: number): Promise<EvalRow[]> {
  return listForDataset<EvalRow>(db, "evals", dataset, { tieBreak: "rowid", limit });
}

/** An evaluation by id, whoever owns it (the runner, addressed by the id it was started with). */
export async function getEval(db: D1Database, id: string): Promise<EvalRow | null> {
  return db.prepare("SELECT * FROM evals WHERE id = ?").bind(id).first<EvalRow>();
}

/** An evaluation of this tenant, or null: the tenant is matched in SQL. */
export function getOwnedEval(db: D1Database, id: string, tenantId: string): Promise<EvalRow | null> {
  return findOwned<EvalRow>(db, "evals", { column: "id", value: id }, { tenantId });
}

/** The JSON columns of an evaluation, parsed. */
export function evalColumns(row: EvalRow): {
  models: string[];
  grader: Grader;
  summary: ModelSummary[] | null;
} {
  return {
    models: parseColumn<string[]>(row.models),
    grader: parseColumn<Grader>(row.grader),
    summary: parseColumn<ModelSummary[]>(row.summary),
  };
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

/** The per-item results of an evaluation, in example order. */
export async function listItemResults(db: D1Database, evalId: string): Promise<ItemResult[]> {
  const { results } = await db
    .prepare("SELECT result FROM eval_items WHERE eval_id = ? ORDER BY example_seq")
    .bind(evalId)
    .all<Pick<ItemRow, "result">>();
  return results.map((row) => parseColumn<ItemResult>(row.result));
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
