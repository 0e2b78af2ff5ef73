/**
 * D1 storage of datasets, their examples and processed webhook deliveries.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */

import { findOwned } from "../platform/owned-repository";
import type { VisionProfileName } from "../vision/profiles";
import type { DatasetKind } from "./examples";
import type { Split } from "./split";

export interface DatasetRow {
  id: string;
  tenant_id: string;
  name: string;
  kind: DatasetKind;
  validation_ratio: number;
  /** Vision datasets: the trainer whose rules apply (null: the tenant's default). */
  vision_profile: VisionProfileName | null;
  webhook_secret: string;
  created_at: number;
}

export interface DatasetCounts {
  train: number;
  validation: number;
}

export interface ExampleRow {
  seq: number;
  id: string;
  dataset_id: string;
  content_hash: string;
  split: Split;
  /** The training line as JSON; '' when the body is in R2 (`body_ref`). */
  example: string;
  rejected: string | null;
  /** Reference of the body `{example, rejected}` in an R2 segment; null for rows written inline. */
  body_ref: string | null;
  source: string;
  source_id: string | null;
  created_at: number;
}

export type NewExample = Omit<ExampleRow, "seq">;

export async function insertDataset(db: D1Database, d: DatasetRow): Promise<void> {
  await db
    .prepare(
      "INSERT INTO datasets (id, tenant_id, name, kind, validation_ratio, vision_profile, webhook_secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(
      d.id,
      d.tenant_id,
      d.name,
      d.kind,
      d.validation_ratio,
      d.vision_profile,
      d.webhook_secret,
      d.created_at,
    )
    .run();
}

/** A dataset by id, whoever owns it (the webhook, whose signature names the dataset). */
export async function getDataset(db: D1Database, id: string): Promise<DatasetRow | null> {
  return db.prepare("SELECT * FROM datasets WHERE id = ?").bind(id).first<DatasetRow>();
}

/** A dataset of this tenant, or null. */
export function getOwnedDataset(db: D1Database, id: string, tenantId: string): Promise<DatasetRow | null> {
  return findOwned<DatasetRow>(db, "datasets", { column: "id", value: id }, { tenantId });
}

/** A page of the tenant's datasets, newest first; null when `after` names none of them. */
export async function listDatasets(
  db: D1Database,
  tenantId: string,
  limit: number,
  after?: string,
): Promise<DatasetRow[] | null> {
  const cursor = after
    ? " AND (created_at, id) < (SELECT created_at, id FROM datasets WHERE tenant_id = ? AND id = ?)"
    : "";
  const { results } = await db
    .prepare(`SELECT * FROM datasets WHERE tenant_id = ?${cursor} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...(after ? [tenantId, tenantId, after] : [tenantId]), limit + 1)
    .all<DatasetRow>();
  // Only an empty page tells a cursor that places nothing from the list's end.
  if (results.length === 0 && after && !(await getOwnedDataset(db, after, tenantId))) return null;
  return results;
}

export async function deleteDataset(db: D1Database, id: string): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM dataset_examples WHERE dataset_id = ?").bind(id),
    db.prepare("DELETE FROM datasets WHERE id = ?").bind(id),
  ]);
}

export async function countExamples(db: D1Database, datasetId: string): Promise<DatasetCounts> {
  const { results } = await db
    .prepare("SELECT split, COUNT(*) AS n FROM dataset_examples WHERE dataset_id = ? GROUP BY split")
    .bind(datasetId)
    .all<{ split: Split; n: number }>();
  const counts: DatasetCounts = { train: 0, validation: 0 };
  for (const r of results) counts[r.split] = r.n;
  return counts;
}

/** Inserts examples, skipping content already in the dataset; returns how many were new. */
export async function insertExamples(db: D1Database, examples: readonly NewExample[]): Promise<number> {
  if (examples.length === 0) return 0;
  const stmt = db.prepare(
    `INSERT OR IGNORE INTO dataset_examples
      (id, dataset_id, content_hash, split, example, rejected, body_ref, source, source_id, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const results = await db.batch(
    examples.map((e) =>
      stmt.bind(
        e.id,
        e.dataset_id,
        e.content_hash,
        e.split,
        e.example,
        e.rejected,
        e.body_ref,
        e.source,
        e.source_id,
        e.created_at,
      ),
    ),
  );
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

/** Which of `hashes` the dataset already holds (for an import's dry run). */
export async function existingHashes(
  db: D1Database,
  datasetId: string,
  hashes: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < hashes.length; i += 90) {
    const chunk = hashes.slice(i, i + 90);
    const { results } = await db
      .prepare(
        `SELECT content_hash FROM dataset_examples WHERE dataset_id = ? AND content_hash IN (${chunk.map(() => "?").join(", ")})`,
      )
      .bind(datasetId, ...chunk)
      .all<{ content_hash: string }>();
    for (const r of results) found.add(r.content_hash);
  }
  return found;
}

/** One page of examples in insertion order, optionally of one split, after a `seq`. */
export async function pageExamples(
  db: D1Database,
  datasetId: string,
  split: Split | "all",
  afterSeq: number,
  limit: number,
): Promise<ExampleRow[]> {
  const bySplit = split === "all" ? "" : " AND split = ?";
  const args = split === "all" ? [datasetId, afterSeq, limit] : [datasetId, split, afterSeq, limit];
  const { results } = await db
    .prepare(`SELECT * FROM dataset_examples WHERE dataset_id = ?${bySplit} AND seq > ? ORDER BY seq LIMIT ?`)
    .bind(...args)
    .all<ExampleRow>();
  return results;
}

/** Examples whose bodies are still inline (written before R2), oldest first, with their tenant. */
export async function unmovedExamples(
  db: D1Database,
  limit: number,
): Promise<{ seq: number; tenant_id: string; example: string; rejected: string | null }[]> {
  const { results } = await db
    .prepare(
      `SELECT e.seq, d.tenant_id, e.example, e.rejected FROM dataset_examples e
        JOIN datasets d ON d.id = e.dataset_id
        WHERE e.body_ref IS NULL ORDER BY e.seq LIMIT ?`,
    )
    .bind(limit)
    .all<{ seq: number; tenant_id: string; example: string; rejected: string | null }>();
  return results;
}

export async function countUnmovedExamples(db: D1Database): Promise<number> {
  const row = await db
    .prepare("SELECT COUNT(*) AS n FROM dataset_examples WHERE body_ref IS NULL")
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Points inline rows at their moved bodies; a row moved meanwhile is left alone. Returns rows changed. */
export async function setExampleBodyRefs(
  db: D1Database,
  moves: readonly { seq: number; body_ref: string }[],
): Promise<number> {
  if (moves.length === 0) return 0;
  const stmt = db.prepare(
    "UPDATE dataset_examples SET example = '', rejected = NULL, body_ref = ? WHERE seq = ? AND body_ref IS NULL",
  );
  let changed = 0;
  for (let i = 0; i < moves.length; i += 100) {
    const chunk = moves.slice(i, i + 100);
    const results = await db.batch(chunk.map((m) => stmt.bind(m.body_ref, m.seq)));
    changed += results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
  }
  return changed;
}

export async function seqOfExample(db: D1Database, datasetId: string, id: string): Promise<number | null> {
  const row = await db
    .prepare("SELECT seq FROM dataset_examples WHERE dataset_id = ? AND id = ?")
    .bind(datasetId, id)
    .first<{ seq: number }>();
  return row?.seq ?? null;
}

/** Records a webhook delivery; false when that `webhook-id` was already processed in this scope. */
export async function claimDelivery(
  db: D1Database,
  scope: string,
  webhookId: string,
  atSeconds: number,
): Promise<boolean> {
  const res = await db
    .prepare("INSERT OR IGNORE INTO webhook_deliveries (scope, webhook_id, received_at) VALUES (?, ?, ?)")
    .bind(scope, webhookId, atSeconds)
    .run();
  return res.meta.changes > 0;
}

/** Forgets a claimed delivery whose processing failed, so the sender's retry is processed. */
export async function releaseDelivery(db: D1Database, scope: string, webhookId: string): Promise<void> {
  await db
    .prepare("DELETE FROM webhook_deliveries WHERE scope = ? AND webhook_id = ?")
    .bind(scope, webhookId)
    .run();
}
