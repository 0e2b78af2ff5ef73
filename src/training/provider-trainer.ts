/**
 * The `openai` trainer on a tenant's provider registered for `fine_tuning` (any OpenAI-compatible
 * fine-tuning API): the dataset's splits uploaded and the job created there with the provider's own
 * key, the job read back from it, and its fine-tuned model served by it as `provider/ft:…`.
 * OpenAI's cutoff and shutdown dates apply when the provider is OpenAI's own API.
 * @see docs/openai-reference.md D.5
 */
import type { Context } from "hono";
import type { DatasetRow } from "../datasets/repository";
import { uploadAndCreate } from "../finetune/create";
import { targetsOpenAI } from "../finetune/job-inputs";
import { call, getUpstream, jsonOrThrow } from "../finetune/provider";
import type { CreateDatasetJob } from "../finetune/schemas";
import { lifecycleNow } from "../models/clock";
import { assertOpenAIFineTunable } from "../models/lifecycle";
import type { AppEnv, Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import type { JsonObject } from "../platform/json";
import { providerEndpoint } from "../providers";
import { getProvider, type StoredProvider } from "../providers/repository";
import { assertModelAllowed } from "../proxy/model-access";
import type { Provider } from "../upstream/providers";
import type { VisionTrainingOptions } from "../vision/training-file";
import { FINISHED_STATUSES, type TrainingJobRow, updateTrainingJob } from "./repository";
import type { TrainingJobEvent } from "./schemas";

async function trainingProvider(db: D1Database, tenantId: string, name: string): Promise<StoredProvider> {
  const provider = await getProvider(db, tenantId, name);
  if (!provider) {
    throw new GatewayError(
      400,
      `No provider '${name}': register it first (POST /admin/tenants/{id}/providers).`,
      {
        param: "provider",
        code: "provider_not_found",
      },
    );
  }
  if (!provider.capabilities.includes("fine_tuning")) {
    throw new GatewayError(
      400,
      `Provider '${name}' is not registered for fine_tuning: add "fine_tuning" to its capabilities (PATCH /admin/tenants/{id}/providers/${name}).`,
      { param: "provider", code: "capability_not_enabled" },
    );
  }
  return provider;
}

/** Starts the job on the provider; returns it as the provider answered. */
export async function startProviderJob(
  c: Context<AppEnv>,
  dataset: DatasetRow,
  name: string,
  req: CreateDatasetJob,
  vision: VisionTrainingOptions | undefined,
): Promise<JsonObject> {
  const provider = await trainingProvider(c.env.DB, dataset.tenant_id, name);
  assertModelAllowed(c, `${name}/${req.model}`);
  if (targetsOpenAI(c.env, provider.baseUrl)) {
    const warning = assertOpenAIFineTunable(req.model, lifecycleNow(c.env));
    for (const [header, value] of Object.entries(warning)) c.header(header, value);
  }
  const endpoint = await providerEndpoint(c.env, provider);
  const { job } = await uploadAndCreate(c.env, endpoint, dataset, req, c.get("requestId"), vision);
  return job;
}

async function endpointOf(env: Bindings, row: TrainingJobRow): Promise<Provider> {
  return providerEndpoint(env, await trainingProvider(env.DB, row.tenant_id, row.provider ?? ""));
}

/** The training job brought up to date with the provider's job. */
export async function syncProviderJob(env: Bindings, row: TrainingJobRow): Promise<TrainingJobRow> {
  if (!row.fine_tuning_job_id || FINISHED_STATUSES.includes(row.status)) return row;
  const endpoint = await endpointOf(env, row);
  const base = `/fine_tuning/jobs/${encodeURIComponent(row.fine_tuning_job_id)}`;
  const job = await getUpstream(env, endpoint, base);
  const status = String(job.status);
  const finished = FINISHED_STATUSES.includes(status);
  const events = finished
    ? ((await getUpstream(env, endpoint, `${base}/events?limit=100`)).data as TrainingJobEvent[])
    : null;
  const model = typeof job.fine_tuned_model === "string" ? `${row.provider}/${job.fine_tuned_model}` : null;
  const update = {
    status,
    fine_tuned_model: model,
    events: events ? JSON.stringify([...events].reverse()) : row.events,
    metrics: row.metrics,
    error: (job.error as { message?: string } | null)?.message ?? null,
    finished_at: finished ? Math.floor(Date.now() / 1000) : null,
  };
  await updateTrainingJob(env.DB, row.tenant_id, row.id, update);
  return { ...row, ...update };
}

/** Asks the provider to cancel the job, then reads it back. */
export async function cancelProviderJob(env: Bindings, row: TrainingJobRow): Promise<TrainingJobRow> {
  const path = `/fine_tuning/jobs/${encodeURIComponent(row.fine_tuning_job_id ?? "")}/cancel`;
  await jsonOrThrow(await call(env, await endpointOf(env, row), { method: "POST", path }), "cancel the job");
  return syncProviderJob(env, row);
}
