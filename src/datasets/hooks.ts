/**
 * `POST /hooks/datasets/:id`: examples pushed by another system, signed with Standard Webhooks
 * against the dataset's `webhook_secret`. Each `webhook-id` is processed once: a retry gets 200
 * without a duplicate.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { GatewayError } from "../platform/errors";
import { createApp, errorResponses } from "../platform/openapi";
import { verifyWebhook } from "../platform/standard-webhooks";
import { exampleError } from "./access";
import { type Candidate, checkCandidates, ingest } from "./ingest";
import * as repo from "./repository";
import { DatasetIdParams } from "./schemas";

const ReceiptSchema = z
  .object({
    object: z.literal("dataset.webhook_receipt"),
    webhook_id: z.string(),
    replayed: z.boolean(),
    added: z.number().int(),
    duplicates: z.number().int(),
  })
  .openapi("DatasetWebhookReceipt");

type Json = Record<string, unknown>;

/** One example, `{examples:[…]}`, or either inside a webhook envelope's `data`. */
function candidatesOf(payload: unknown): Candidate[] {
  const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
  const body = isObj(payload) && isObj(payload.data) ? payload.data : payload;
  const list = isObj(body) && Array.isArray(body.examples) ? body.examples : [body];
  return list.map((value, i) => ({ line: i + 1, value, source: "webhook" as const }));
}

export const datasetHooks = createApp();

datasetHooks.openapi(
  createRoute({
    method: "post",
    path: "/datasets/{dataset_id}",
    tags: ["Datasets"],
    summary:
      "Push one example or {examples:[…]}, signed with Standard Webhooks (webhook-id, -timestamp, -signature)",
    request: {
      params: DatasetIdParams,
      body: { required: true, content: { "application/json": { schema: { type: "object" as const } } } },
    },
    responses: {
      200: {
        description: "Processed (or already processed)",
        content: { "application/json": { schema: ReceiptSchema } },
      },
      ...errorResponses,
    },
  }),
  async (c) => {
    const { dataset_id } = c.req.valid("param");
    const dataset = await repo.getDataset(c.env.DB, dataset_id);
    if (!dataset)
      throw new GatewayError(404, `No dataset found with id '${dataset_id}'.`, {
        param: "dataset_id",
        code: "not_found",
      });
    const raw = await c.req.text();
    const webhookId = await verifyWebhook(dataset.webhook_secret, c.req.raw.headers, raw);
    const receipt = { object: "dataset.webhook_receipt" as const, webhook_id: webhookId };
    const scope = `dataset:${dataset.id}`;
    if (!(await repo.claimDelivery(c.env.DB, scope, webhookId, Math.floor(Date.now() / 1000)))) {
      return c.json({ ...receipt, replayed: true, added: 0, duplicates: 0 }, 200);
    }
    try {
      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        throw new GatewayError(400, "The webhook body is not valid JSON.", { code: "invalid_json" });
      }
      const candidates = candidatesOf(payload);
      const first = checkCandidates(dataset, candidates)[0];
      if (first) throw exampleError(first, "examples position");
      const result = await ingest(c.env.DB, dataset, candidates, { redactPii: false });
      return c.json({ ...receipt, replayed: false, ...result }, 200);
    } catch (err) {
      await repo.releaseDelivery(c.env.DB, scope, webhookId);
      throw err;
    }
  },
);
