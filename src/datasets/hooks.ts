/**
 * `POST /hooks/datasets/:id`: examples pushed by another system, signed with Standard Webhooks
 * against the dataset's `webhook_secret`. Each `webhook-id` is processed once: a retry gets 200
 * without a duplicate.
 */
import { z } from "@hono/zod-openapi";
import { foundOr, GatewayError } from "../platform/errors";
import { asArray, asObject } from "../platform/json";
import { ok } from "../platform/openapi";
import { jsonBody, routeKit } from "../platform/route-kit";
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

/** One example, `{examples:[…]}`, or either inside a webhook envelope's `data`. */
function candidatesOf(payload: unknown): Candidate[] {
  const body = asObject(asObject(payload)?.data) ?? payload;
  const list = asArray(asObject(body)?.examples) ?? [body];
  return list.map((value, i) => ({ line: i + 1, value, source: "webhook" as const }));
}

const { router: datasetHooks, add } = routeKit({ tags: ["Datasets"] });

/** `/hooks/datasets/{dataset_id}`. */
export { datasetHooks };

add(
  {
    method: "post",
    path: "/datasets/{dataset_id}",
    summary:
      "Push one example or {examples:[…]}, signed with Standard Webhooks (webhook-id, -timestamp, -signature)",
    request: {
      params: DatasetIdParams,
      body: jsonBody({ type: "object" as const }),
    },
    responses: ok(ReceiptSchema, "Processed (or already processed)"),
  },
  async (c, { param: { dataset_id } }) => {
    const dataset = foundOr(await repo.getDataset(c.env.DB, dataset_id), "dataset", dataset_id, {
      param: "dataset_id",
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
      const result = await ingest(c.env, dataset, candidates, { redactPii: false });
      return c.json({ ...receipt, replayed: false, ...result }, 200);
    } catch (err) {
      await repo.releaseDelivery(c.env.DB, scope, webhookId);
      throw err;
    }
  },
);
