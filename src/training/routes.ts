/**
 * Training jobs with a trainer chosen per job: `POST/GET /v1/datasets/{dataset_id}/jobs`,
 * `GET /v1/training_jobs/{job_id}`, `…/cancel`, the trainer's signed `…/callback`, and the bundle's
 * files at signed, expiring URLs (`…/bundle/{file}`). See docs/training.md.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ownedDataset } from "../datasets/access";
import type { AppEnv } from "../platform/env";
import { GatewayError, notFound } from "../platform/errors";
import { ok } from "../platform/openapi";
import { type OwnedResource, routeKit } from "../platform/route-kit";
import { signedDownloadHeaders, signedDownloadResponses } from "../platform/signed-url";
import { r2BundleStore } from "./bundle-store";
import { receiveCallback } from "./callback";
import { createTrainingJob } from "./create";
import { moveUpdate, newEvent, trainingJobJson } from "./job-view";
import { cancelOpenAIJob, syncOpenAIJob } from "./openai-trainer";
import {
  FINISHED_STATUSES,
  getTrainingJob,
  getTrainingJobById,
  listTrainingJobs,
  type TrainingJobRow,
  updateTrainingJob,
} from "./repository";
import { CreateTrainingJobSchema, JobIdParams, TrainingJobListSchema, TrainingJobSchema } from "./schemas";
import { assertSignedBundleUrl, bundlePath } from "./signed-url";

const viewOf = (c: Context<AppEnv>) => ({
  origin: new URL(c.req.url).origin,
  secret: c.env.TOKEN_SECRET ?? "",
});

const jobNotFound = (id: string) => notFound("training job", id, { param: "job_id", code: "job_not_found" });

/** The caller's job, current with its provider when the `openai` trainer runs it. */
async function ownJob(c: Context<AppEnv>, id: string): Promise<TrainingJobRow> {
  const row = await getTrainingJob(c.env.DB, c.get("principal").tenant.id, id);
  if (!row) throw jobNotFound(id);
  return row.trainer === "openai" ? syncOpenAIJob(c.env, row) : row;
}

/** `/{job_id}`: a training job of the caller's tenant. */
const ownedJob: OwnedResource<typeof JobIdParams, TrainingJobRow> = {
  params: JobIdParams,
  load: (c, params) => ownJob(c, params.job_id),
};

const { router: datasetTrainingJobs, resourceRoute: datasetResourceRoute } = routeKit({ tags: ["Training"] });

export { datasetTrainingJobs };

datasetResourceRoute(
  ownedDataset,
  {
    method: "post",
    path: "/{dataset_id}/jobs",
    summary: "Start a training job on the dataset with the chosen trainer (openai or external)",
    description:
      "`openai`: the dataset's fine-tuning job on the tenant's fine-tuning API (refused on OpenAI's from its fine-tuning cutoff, 400 `fine_tuning_unavailable`). `external`: a training bundle (JSONL, manifest.json with SHA-256 checksums, an axolotl LoRA recipe) behind signed URLs valid 24 hours, and `callback_secret` (shown only here) to sign the trainer's callbacks with. `provider` must be one of the tenant's providers registered for chat (400 `provider_not_found`). At least 10 training examples (DPO: corrected ones) are needed (400 `insufficient_examples`).",
    request: {
      body: { required: true, content: { "application/json": { schema: CreateTrainingJobSchema } } },
    },
    responses: ok(TrainingJobSchema, "The created job"),
  },
  async (c, dataset, { json: body }) => {
    const row = await createTrainingJob(c, dataset, body);
    const json = await trainingJobJson(row, viewOf(c));
    return c.json(row.callback_secret ? { ...json, callback_secret: row.callback_secret } : json, 200);
  },
);

datasetResourceRoute(
  ownedDataset,
  {
    method: "get",
    path: "/{dataset_id}/jobs",
    summary: "List the dataset's training jobs, newest first",
    responses: ok(TrainingJobListSchema, "The jobs"),
  },
  async (c, dataset) => {
    const rows = await listTrainingJobs(c.env.DB, dataset);
    const live = await Promise.all(
      rows.map((r) => (r.trainer === "openai" ? syncOpenAIJob(c.env, r).catch(() => r) : r)),
    );
    const data = await Promise.all(live.map((r) => trainingJobJson(r, viewOf(c))));
    return c.json({ object: "list" as const, data, has_more: false }, 200);
  },
);

const { router: trainingJobs, add, resourceRoute } = routeKit({ tags: ["Training"] });

export { trainingJobs };

resourceRoute(
  ownedJob,
  {
    method: "get",
    path: "/{job_id}",
    summary: "A training job: status, events, metrics, the student, and fresh bundle URLs",
    responses: ok(TrainingJobSchema, "The job"),
  },
  async (c, row) => c.json(await trainingJobJson(row, viewOf(c)), 200),
);

resourceRoute(
  ownedJob,
  {
    method: "post",
    path: "/{job_id}/cancel",
    summary: "Cancel a training job (409 `job_finished` once it has ended)",
    responses: ok(TrainingJobSchema, "The cancelled job"),
  },
  async (c, row) => {
    const finished = new GatewayError(409, `Job ${row.id} is already ${row.status}.`, {
      param: "job_id",
      code: "job_finished",
    });
    if (FINISHED_STATUSES.includes(row.status)) throw finished;
    if (row.trainer === "openai")
      return c.json(await trainingJobJson(await cancelOpenAIJob(c.env, row), viewOf(c)), 200);
    const update = moveUpdate(row, { status: "cancelled", event: newEvent("Job cancelled") });
    if (!(await updateTrainingJob(c.env.DB, row.tenant_id, row.id, update))) throw finished;
    return c.json(await trainingJobJson({ ...row, ...update }, viewOf(c)), 200);
  },
);

add(
  {
    method: "post",
    path: "/{job_id}/callback",
    summary: "The external trainer reports back, signed with the job's callback secret (Standard Webhooks)",
    description:
      'Body `{type: "running"}`, `{type: "progress", step, total_steps, train_loss?}`, `{type: "succeeded", provider, model | adapter}` (the student, served by a provider of the tenant registered for chat; it becomes routable as `provider/model`), or `{type: "failed", error}`. Refused: a signature that does not match (401 `invalid_signature`), a timestamp more than 5 minutes away (400 `webhook_timestamp_out_of_range`), a `webhook-id` already received (409 `webhook_replayed`), a finished job (409 `job_finished`).',
    request: {
      params: JobIdParams,
      body: { required: true, content: { "application/json": { schema: { type: "object" as const } } } },
    },
    responses: ok(z.object({ received: z.literal(true), status: z.string() }), "Applied"),
  },
  async (c, { param: { job_id: id } }) => {
    const row = await getTrainingJobById(c.env.DB, id);
    if (!row) throw jobNotFound(id);
    const updated = await receiveCallback(c.env, row, c.req.raw.headers, await c.req.text());
    return c.json({ received: true as const, status: updated.status }, 200);
  },
);

const BundleParams = JobIdParams.extend({
  file: z.string().regex(/^[a-z0-9._-]{1,64}$/, "a bundle file name, as manifest.json lists it"),
});
const BundleQuery = z.object({
  exp: z.coerce.number().int().min(0).max(1e11),
  sig: z.string().min(1).max(128),
});

add(
  {
    method: "get",
    path: "/{job_id}/bundle/{file}",
    summary: "A file of a training bundle, by a signed expiring URL (no API key)",
    request: { params: BundleParams, query: BundleQuery },
    responses: signedDownloadResponses("application/octet-stream", "The file"),
  },
  async (c, { param: { job_id, file }, query: { exp, sig } }) => {
    const now = Math.floor(Date.now() / 1000);
    await assertSignedBundleUrl(c.env.TOKEN_SECRET ?? "", bundlePath(job_id), exp, sig, now);
    const content = await r2BundleStore(c.env.BLOBS, { legacyKv: c.env.CACHE }).get(job_id, file);
    if (content === null) {
      throw new GatewayError(404, `The bundle has no file ${file}.`, { param: "file", code: "not_found" });
    }
    const type = file.endsWith(".json")
      ? "application/json"
      : file.endsWith(".jsonl")
        ? "application/jsonl"
        : "text/yaml";
    return c.body(content, 200, signedDownloadHeaders(`${type}; charset=utf-8`, exp, now));
  },
);
