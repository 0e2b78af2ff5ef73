/**
 * Starting a training job from a dataset with the chosen trainer: `openai` starts the provider's
 * fine-tuning job; `external` writes the training bundle and hands out its signed URLs and the
 * job's callback secret (shown once).
 */
import type { Context } from "hono";
import type { DatasetRow } from "../datasets/repository";
import { newId } from "../identity/crypto";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { newWebhookSecret } from "../platform/standard-webhooks";
import { getProvider } from "../providers/repository";
import { writeBundle } from "./bundle";
import { r2BundleStore } from "./bundle-store";
import { newEvent } from "./job-view";
import { datasetJobRequest, startOpenAIJob } from "./openai-trainer";
import { startProviderJob } from "./provider-trainer";
import { insertTrainingJob, type TrainingJobRow } from "./repository";
import type { CreateTrainingJob } from "./schemas";
import { trainingVision } from "./vision";

/** The tenant's provider a job names must exist and serve chat (the student is called there). */
async function assertServingProvider(c: Context<AppEnv>, name: string): Promise<void> {
  const provider = await getProvider(c.env.DB, c.get("principal").tenant.id, name);
  if (provider?.capabilities.includes("chat")) return;
  throw new GatewayError(
    400,
    `No provider '${name}' registered for chat; register the host that will serve the student first (POST /admin/tenants/{id}/providers).`,
    { param: "provider", code: "provider_not_found" },
  );
}

function baseRow(dataset: DatasetRow, req: CreateTrainingJob, id: string): TrainingJobRow {
  const now = Math.floor(Date.now() / 1000);
  return {
    id,
    tenant_id: dataset.tenant_id,
    dataset_id: dataset.id,
    trainer: req.trainer,
    method: req.method,
    model: req.model,
    provider: req.provider ?? null,
    hyperparameters: JSON.stringify(req.hyperparameters),
    status: "validating_files",
    fine_tuned_model: null,
    fine_tuning_job_id: null,
    callback_secret: null,
    bundle_files: "[]",
    events: "[]",
    metrics: null,
    error: null,
    created_at: now,
    updated_at: now,
    finished_at: null,
  };
}

/** Creates the job; an `external` job's row carries the callback secret the caller shows once. */
export async function createTrainingJob(
  c: Context<AppEnv>,
  dataset: DatasetRow,
  req: CreateTrainingJob,
): Promise<TrainingJobRow> {
  const row = baseRow(dataset, req, newId("trainjob"));
  if (req.trainer === "openai" && req.provider) {
    const vision = trainingVision(c, dataset, req);
    const job = await startProviderJob(c, dataset, req.provider, datasetJobRequest(req), vision);
    Object.assign(row, { fine_tuning_job_id: String(job.id), status: String(job.status) });
  } else if (req.trainer === "openai") {
    const job = await startOpenAIJob(c, dataset, req);
    const events = job.events ? JSON.parse(job.events) : [];
    Object.assign(row, { fine_tuning_job_id: job.id, status: job.status, events: JSON.stringify(events) });
  } else {
    if (req.provider) await assertServingProvider(c, req.provider);
    const files = await writeBundle(c.env, r2BundleStore(c.env.BLOBS), {
      jobId: row.id,
      dataset,
      method: req.method,
      model: req.model,
      hyperparameters: req.hyperparameters,
      provider: row.provider,
      vision: trainingVision(c, dataset, req),
    });
    const events = [
      newEvent(`Validating training file: ${dataset.id} (train split)`),
      newEvent("Files validated, training bundle written"),
      newEvent("Job queued: waiting for the trainer's callbacks"),
    ];
    Object.assign(row, {
      status: "queued",
      callback_secret: newWebhookSecret(),
      bundle_files: JSON.stringify(files),
      events: JSON.stringify(events),
    });
  }
  await insertTrainingJob(c.env.DB, row);
  return row;
}
