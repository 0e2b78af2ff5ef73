/**
 * Fine-tuning from datasets: `POST/GET /v1/datasets/:id/fine_tuning_jobs`, and `POST /hooks/openai`
 * (the provider's signed `fine_tuning.job.*` webhooks).
 * @see docs/openai-reference.md D.5 and F
 */
import { z } from "@hono/zod-openapi";
import { ownedDataset } from "../datasets/access";
import { claimDelivery, releaseDelivery } from "../datasets/repository";
import { GatewayError } from "../platform/errors";
import { ok } from "../platform/openapi";
import { jsonBody, routeKit } from "../platform/route-kit";
import { verifyWebhook } from "../platform/standard-webhooks";
import { visionLimits } from "../vision";
import { openAiJobProfile } from "../vision/profiles";
import { defaultBaseModel } from "../vision/training-file";
import { startDatasetJob } from "./create";
import { assertBaseModel } from "./job-inputs";
import { tenantView } from "./ownership";
import { fineTuningBaseUrl } from "./provider";
import { liveJob, refreshJob, refreshOwnedJob } from "./refresh";
import { getJob, type JobRow, jobColumns, listJobs } from "./repository";
import { CreateDatasetJobSchema, DatasetJobListSchema, DatasetJobSchema } from "./schemas";

const tags = ["Fine-tuning"];

/** The provider's job plus the dataset, and the events and metrics kept when it ended. */
export function jobJson(row: JobRow) {
  const { job, events, metrics } = jobColumns(row);
  return {
    ...tenantView(job),
    id: row.id,
    object: "fine_tuning.job" as const,
    status: row.status,
    model: row.model,
    fine_tuned_model: row.fine_tuned_model,
    dataset_id: row.dataset_id,
    events,
    metrics,
  };
}

const { router: datasetJobs, resourceRoute } = routeKit({ tags });

/** `/v1/datasets/{dataset_id}/fine_tuning_jobs`, beside the datasets router. */
export { datasetJobs };

resourceRoute(
  ownedDataset,
  {
    method: "post",
    path: "/{dataset_id}/fine_tuning_jobs",
    summary: "Check the dataset against the provider's rules, upload its splits and start a fine-tuning job",
    description:
      "`model` must be within the tenant's `allowed_models` (403 `model_not_allowed`), and a fine-tuned base must be the tenant's own (400 `model_not_available`). On OpenAI's API, no job is taken from its fine-tuning cutoff (400 `fine_tuning_unavailable`) nor on a base model past its shutdown (400 `model_shut_down`), and a base shutting down within 60 days is announced with `Sunset` and `x-edgegate-warning` headers (docs/providers.md). The uploaded files, the job, its result files and its fine-tuned model are recorded as the tenant's.",
    request: {
      body: jsonBody(CreateDatasetJobSchema),
    },
    responses: ok(DatasetJobSchema, "The created job"),
  },
  async (c, dataset, { json: body }) => {
    const baseUrl = fineTuningBaseUrl(c.env, c.get("principal").tenant.settings);
    const settings = c.get("principal").tenant.settings;
    const vision =
      dataset.kind === "vision"
        ? {
            limits: visionLimits(
              settings.vision,
              c.env,
              openAiJobProfile(body.vision_profile, dataset.vision_profile, settings.vision?.profile),
            ),
            images: body.images,
            origin: new URL(c.req.url).origin,
          }
        : undefined;
    const req = { ...body, model: defaultBaseModel(dataset.kind, body.model) };
    await assertBaseModel(c, req.model);
    const row = await startDatasetJob(c.env, baseUrl, dataset, req, c.get("requestId"), vision);
    return c.json(jobJson(row), 200);
  },
);

resourceRoute(
  ownedDataset,
  {
    method: "get",
    path: "/{dataset_id}/fine_tuning_jobs",
    summary: "List the dataset's fine-tuning jobs, newest first, with live status",
    responses: ok(DatasetJobListSchema, "The jobs"),
  },
  async (c, dataset) => {
    const live = await Promise.all((await listJobs(c.env.DB, dataset)).map((r) => liveJob(c.env, r)));
    return c.json({ object: "list" as const, data: live.map(jobJson), has_more: false }, 200);
  },
);

const EventSchema = z
  .looseObject({ type: z.string(), data: z.looseObject({ id: z.string() }) })
  .openapi("OpenAIWebhookEvent");

const { router: openaiHooks, add } = routeKit({ tags });

/** `/hooks/openai`. */
export { openaiHooks };

add(
  {
    method: "post",
    path: "/openai",
    summary: "The provider's webhooks (fine_tuning.job.*), verified with OPENAI_WEBHOOK_SECRET",
    request: { body: jsonBody({ type: "object" as const }) },
    responses: ok(z.object({ received: z.boolean(), replayed: z.boolean() }), "Processed"),
  },
  async (c) => {
    const secret = c.env.OPENAI_WEBHOOK_SECRET;
    if (!secret)
      throw new GatewayError(503, "OPENAI_WEBHOOK_SECRET is not configured.", {
        code: "webhooks_not_configured",
      });
    const raw = await c.req.text();
    const webhookId = await verifyWebhook(secret, c.req.raw.headers, raw);
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      throw new GatewayError(400, "The webhook body is not valid JSON.", { code: "invalid_json" });
    }
    if (!(await claimDelivery(c.env.DB, "openai", webhookId, Math.floor(Date.now() / 1000)))) {
      return c.json({ received: true, replayed: true }, 200);
    }
    try {
      const event = EventSchema.safeParse(payload);
      if (event.success && event.data.type.startsWith("fine_tuning.job.")) {
        const row = await getJob(c.env.DB, event.data.data.id);
        if (row) await refreshJob(c.env, row);
        else await refreshOwnedJob(c.env, event.data.data.id);
      }
      return c.json({ received: true, replayed: false }, 200);
    } catch (err) {
      // Not processed: forget the id so the provider's retry is.
      await releaseDelivery(c.env.DB, "openai", webhookId);
      throw err;
    }
  },
);
