/** D1 storage of training jobs (`training_jobs`, migrations/0014_training_jobs.sql); every read names the tenant. */
import { type DatasetKey, listForDataset } from "../platform/owned-repository";

export type Trainer = "openai" | "external";
export type Method = "sft" | "dpo";

export interface TrainingJobRow {
  id: string;
  tenant_id: string;
  dataset_id: string;
  trainer: Trainer;
  method: Method;
  model: string;
  provider: string | null;
  /** JSON object, as requested. */
  hyperparameters: string;
  status: string;
  fine_tuned_model: string | null;
  fine_tuning_job_id: string | null;
  callback_secret: string | null;
  /** JSON array of the bundle's file entries (`bundle.ts` BundleFile). */
  bundle_files: string;
  /** JSON array of `fine_tuning.job.event` objects, oldest first. */
  events: string;
  metrics: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export const FINISHED_STATUSES: readonly string[] = ["succeeded", "failed", "cancelled"];

const COLUMNS =
  "id, tenant_id, dataset_id, trainer, method, model, provider, hyperparameters, status, fine_tuned_model, fine_tuning_job_id, callback_secret, bundle_files, events, metrics, error, created_at, updated_at, finished_at";

export async function insertTrainingJob(db: D1Database, row: TrainingJobRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO training_jobs (${COLUMNS}) VALUES (${COLUMNS.split(",")
        .map(() => "?")
        .join(", ")})`,
    )
    .bind(
      row.id,
      row.tenant_id,
      row.dataset_id,
      row.trainer,
      row.method,
      row.model,
      row.provider,
      row.hyperparameters,
      row.status,
      row.fine_tuned_model,
      row.fine_tuning_job_id,
      row.callback_secret,
      row.bundle_files,
      row.events,
      row.metrics,
      row.error,
      row.created_at,
      row.updated_at,
      row.finished_at,
    )
    .run();
}

/** The tenant's job, or null (another tenant's job is not found). */
export function getTrainingJob(db: D1Database, tenantId: string, id: string): Promise<TrainingJobRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS} FROM training_jobs WHERE tenant_id = ? AND id = ?`)
    .bind(tenantId, id)
    .first<TrainingJobRow>();
}

/** A job by id alone: only for signed requests (callbacks, bundle downloads), whose signature names the job. */
export function getTrainingJobById(db: D1Database, id: string): Promise<TrainingJobRow | null> {
  return db.prepare(`SELECT ${COLUMNS} FROM training_jobs WHERE id = ?`).bind(id).first<TrainingJobRow>();
}

/** A dataset's training jobs, newest first. */
export function listTrainingJobs(db: D1Database, dataset: DatasetKey): Promise<TrainingJobRow[]> {
  return listForDataset<TrainingJobRow>(db, "training_jobs", dataset, { columns: COLUMNS, tieBreak: "id" });
}

export interface TrainingJobUpdate {
  status: string;
  fine_tuned_model: string | null;
  events: string;
  metrics: string | null;
  error: string | null;
  finished_at: number | null;
}

/**
 * Writes a job's new state unless it already finished (a late callback or a cancel racing a
 * success must not reopen it); false when the job had finished.
 */
export async function updateTrainingJob(
  db: D1Database,
  tenantId: string,
  id: string,
  u: TrainingJobUpdate,
): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE training_jobs SET status = ?, fine_tuned_model = ?, events = ?, metrics = ?, error = ?, finished_at = ?, updated_at = ?
       WHERE tenant_id = ? AND id = ? AND status NOT IN (${FINISHED_STATUSES.map(() => "?").join(", ")})`,
    )
    .bind(
      u.status,
      u.fine_tuned_model,
      u.events,
      u.metrics,
      u.error,
      u.finished_at,
      Math.floor(Date.now() / 1000),
      tenantId,
      id,
      ...FINISHED_STATUSES,
    )
    .run();
  return res.meta.changes > 0;
}
