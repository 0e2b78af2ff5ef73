/**
 * The `openai` trainer: the dataset's fine-tuning job on the tenant's OpenAI-compatible
 * fine-tuning API (src/finetune), with OpenAI's cutoff and shutdown dates enforced there. The
 * training job mirrors that job's status, fine-tuned model and events.
 * @see docs/openai-reference.md D.5
 */
import type { Context } from "hono";
import type { DatasetRow } from "../datasets/repository";
import { startDatasetJob } from "../finetune/create";
import { assertBaseModel } from "../finetune/job-inputs";
import { call, fineTuningBaseUrl, jsonOrThrow } from "../finetune/provider";
import { liveJob, refreshJob } from "../finetune/refresh";
import { FINISHED, getJob, type JobRow } from "../finetune/repository";
import type { CreateDatasetJob } from "../finetune/schemas";
import type { AppEnv, Bindings } from "../platform/env";
import { cancelProviderJob, syncProviderJob } from "./provider-trainer";
import { type TrainingJobRow, updateTrainingJob } from "./repository";
import type { CreateTrainingJob, TrainingJobEvent } from "./schemas";
import { trainingVision } from "./vision";

const numeric = (h: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(Object.entries(h).filter(([k, v]) => keys.includes(k) && v !== undefined));

/** The request in the fine-tuning API's words (`method: {type, <type>: {hyperparameters}}`). */
export function datasetJobRequest(req: CreateTrainingJob): CreateDatasetJob {
  const type = req.method === "dpo" ? "dpo" : "supervised";
  const keys = ["n_epochs", "batch_size", "learning_rate_multiplier", ...(type === "dpo" ? ["beta"] : [])];
  const hyperparameters = numeric(req.hyperparameters, keys);
  return {
    model: req.model,
    suffix: req.suffix,
    method: { type, [type]: { hyperparameters } },
    images: "inline",
  };
}

/** Starts the provider's job; returns its stored row. */
export async function startOpenAIJob(
  c: Context<AppEnv>,
  dataset: DatasetRow,
  req: CreateTrainingJob,
): Promise<JobRow> {
  await assertBaseModel(c, req.model);
  const baseUrl = fineTuningBaseUrl(c.env, c.get("principal").tenant.settings);
  const vision = trainingVision(c, dataset, req);
  return startDatasetJob(c.env, baseUrl, dataset, datasetJobRequest(req), c.get("requestId"), vision);
}

function eventsOf(job: JobRow): TrainingJobEvent[] {
  const events = job.events ? (JSON.parse(job.events) as TrainingJobEvent[]) : [];
  // The provider lists events newest first; a training job keeps them oldest first.
  return [...events].reverse();
}

/** The training job brought up to date with the provider's job (read live while it runs). */
export async function syncOpenAIJob(env: Bindings, row: TrainingJobRow): Promise<TrainingJobRow> {
  if (row.provider) return syncProviderJob(env, row);
  if (!row.fine_tuning_job_id) return row;
  const stored = await getJob(env.DB, row.fine_tuning_job_id);
  if (!stored) return row;
  const job = await liveJob(env, stored);
  if (job.status === row.status && job.fine_tuned_model === row.fine_tuned_model) return row;
  const error = (JSON.parse(job.job) as { error?: { message?: string } | null }).error?.message ?? null;
  const update = {
    status: job.status,
    fine_tuned_model: job.fine_tuned_model,
    events: JSON.stringify(eventsOf(job)),
    metrics: job.metrics,
    error,
    finished_at: FINISHED.includes(job.status) ? Math.floor(Date.now() / 1000) : null,
  };
  await updateTrainingJob(env.DB, row.tenant_id, row.id, update);
  return { ...row, ...update };
}

/** Asks the provider to cancel the job, then mirrors what it says. */
export async function cancelOpenAIJob(env: Bindings, row: TrainingJobRow): Promise<TrainingJobRow> {
  if (row.provider) return cancelProviderJob(env, row);
  const job = row.fine_tuning_job_id ? await getJob(env.DB, row.fine_tuning_job_id) : null;
  if (!job) return row;
  const path = `/fine_tuning/jobs/${encodeURIComponent(job.id)}/cancel`;
  await jsonOrThrow(await call(env, job.base_url, { method: "POST", path }), "cancel the job");
  await refreshJob(env, job);
  return syncOpenAIJob(env, row);
}
