/**
 * A training job as the API shows it, and its moves between OpenAI's job statuses, each with a
 * `fine_tuning.job.event` as OpenAI's jobs record them.
 * @see docs/openai-reference.md D.5
 */
import { newId } from "../identity/crypto";
import { type BundleFile, bundleLinks } from "./bundle";
import { FINISHED_STATUSES, type TrainingJobRow, type TrainingJobUpdate } from "./repository";
import type { TrainingJobEvent } from "./schemas";

export type TrainingStatus = "validating_files" | "queued" | "running" | "succeeded" | "failed" | "cancelled";

export function newEvent(
  message: string,
  level: TrainingJobEvent["level"] = "info",
  data: Record<string, unknown> | null = null,
): TrainingJobEvent {
  return {
    object: "fine_tuning.job.event",
    id: newId("ftevent"),
    created_at: Math.floor(Date.now() / 1000),
    level,
    message,
    type: data ? "metrics" : "message",
    data,
  };
}

export interface Move {
  status: TrainingStatus;
  event: TrainingJobEvent;
  fine_tuned_model?: string;
  metrics?: Record<string, unknown>;
  error?: string;
}

/** The row update for a move: the event appended, `finished_at` set when the status is final. */
export function moveUpdate(row: TrainingJobRow, move: Move): TrainingJobUpdate {
  const events = JSON.parse(row.events) as TrainingJobEvent[];
  const finished = FINISHED_STATUSES.includes(move.status);
  return {
    status: move.status,
    fine_tuned_model: move.fine_tuned_model ?? row.fine_tuned_model,
    events: JSON.stringify([...events, move.event]),
    metrics: move.metrics ? JSON.stringify(move.metrics) : row.metrics,
    error: move.error ?? row.error,
    finished_at: finished ? Math.floor(Date.now() / 1000) : row.finished_at,
  };
}

export interface ViewContext {
  origin: string;
  secret: string;
}

/** The job's JSON: never its callback secret (only creation shows it) nor any provider key. */
export async function trainingJobJson(row: TrainingJobRow, ctx: ViewContext) {
  const files = JSON.parse(row.bundle_files) as BundleFile[];
  const bundle =
    row.trainer === "external" && files.length > 0 ? await bundleLinks(ctx, row.id, files) : null;
  return {
    id: row.id,
    object: "training.job" as const,
    trainer: row.trainer,
    dataset_id: row.dataset_id,
    model: row.model,
    method: row.method,
    hyperparameters: JSON.parse(row.hyperparameters) as Record<string, unknown>,
    provider: row.provider,
    status: row.status as TrainingStatus,
    fine_tuned_model: row.fine_tuned_model,
    fine_tuning_job_id: row.fine_tuning_job_id,
    created_at: row.created_at,
    finished_at: row.finished_at,
    error: row.error ? { message: row.error } : null,
    metrics: row.metrics ? (JSON.parse(row.metrics) as Record<string, unknown>) : null,
    events: JSON.parse(row.events) as TrainingJobEvent[],
    bundle,
    callback_url: row.trainer === "external" ? `${ctx.origin}/v1/training_jobs/${row.id}/callback` : null,
  };
}
