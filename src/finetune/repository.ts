/**
 * D1 storage of fine-tuning jobs started from datasets (provider objects each tenant owns: `owned-repository.ts`).
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
import { type JsonObject, parseColumn } from "../platform/json";
import { type DatasetKey, listForDataset } from "../platform/owned-repository";

export interface JobRow {
  id: string;
  tenant_id: string;
  dataset_id: string;
  base_url: string;
  model: string;
  status: string;
  fine_tuned_model: string | null;
  job: string;
  events: string | null;
  metrics: string | null;
  created_at: number;
  updated_at: number;
}

export const FINISHED = ["succeeded", "failed", "cancelled"];

/** The JSON columns of a job, parsed: the provider's job object, and what was kept when it ended. */
export function jobColumns(row: JobRow): {
  job: JsonObject;
  events: JsonObject[];
  metrics: JsonObject | null;
} {
  return {
    job: parseColumn<JsonObject>(row.job),
    events: parseColumn<JsonObject[]>(row.events) ?? [],
    metrics: parseColumn<JsonObject>(row.metrics),
  };
}

export async function insertJob(db: D1Database, row: JobRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO fine_tuning_jobs (id, tenant_id, dataset_id, base_url, model, status, fine_tuned_model, job, events, metrics, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      row.id,
      row.tenant_id,
      row.dataset_id,
      row.base_url,
      row.model,
      row.status,
      row.fine_tuned_model,
      row.job,
      row.events,
      row.metrics,
      row.created_at,
      row.updated_at,
    )
    .run();
}

export interface JobUpdate {
  status: string;
  fine_tuned_model: string | null;
  job: string;
  events: string | null;
  metrics: string | null;
}

export async function updateJob(db: D1Database, id: string, u: JobUpdate): Promise<void> {
  await db
    .prepare(
      `UPDATE fine_tuning_jobs SET status = ?, fine_tuned_model = ?, job = ?, events = COALESCE(?, events),
       metrics = COALESCE(?, metrics), updated_at = ? WHERE id = ?`,
    )
    .bind(u.status, u.fine_tuned_model, u.job, u.events, u.metrics, Math.floor(Date.now() / 1000), id)
    .run();
}

export async function getJob(db: D1Database, id: string): Promise<JobRow | null> {
  return db.prepare("SELECT * FROM fine_tuning_jobs WHERE id = ?").bind(id).first<JobRow>();
}

/** A dataset's fine-tuning jobs, newest first. */
export function listJobs(db: D1Database, dataset: DatasetKey): Promise<JobRow[]> {
  return listForDataset<JobRow>(db, "fine_tuning_jobs", dataset, { tieBreak: "id" });
}

/** Jobs not yet in a final status, oldest update first (what the cron polls). */
export async function unfinishedJobs(db: D1Database, limit: number): Promise<JobRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM fine_tuning_jobs WHERE status NOT IN (${FINISHED.map(() => "?").join(", ")}) ORDER BY updated_at LIMIT ?`,
    )
    .bind(...FINISHED, limit)
    .all<JobRow>();
  return results;
}
