/**
 * `/v1/datasets`: curated fine-tuning datasets built from captured traffic, uploads and webhooks.
 * @see docs/openai-reference.md D.4 (line format)
 */
import { newId } from "../identity/crypto";
import { GatewayError, unknownCursor } from "../platform/errors";
import { ok } from "../platform/openapi";
import { jsonBody, pageOf } from "../platform/route-kit";
import { newWebhookSecret } from "../platform/standard-webhooks";
import { datasetJson, datasetWithCounts, ownedDataset } from "./access";
import * as repo from "./repository";
import { add, resourceRoute } from "./router";
import {
  CreateDatasetSchema,
  DatasetListSchema,
  DatasetSchema,
  DeletedDatasetSchema,
  PageQuery,
} from "./schemas";

add(
  {
    method: "post",
    path: "/",
    summary: "Create a dataset (the response carries its webhook_secret, shown only once)",
    request: { body: jsonBody(CreateDatasetSchema) },
    responses: ok(DatasetSchema, "The new dataset"),
  },
  async (c, { json: body }) => {
    if (body.vision_profile && body.kind !== "vision") {
      throw new GatewayError(
        400,
        "vision_profile applies to vision datasets only; create it with kind 'vision'.",
        {
          param: "vision_profile",
          code: "invalid_value",
        },
      );
    }
    const row: repo.DatasetRow = {
      id: newId("ds"),
      tenant_id: c.get("principal").tenant.id,
      name: body.name,
      kind: body.kind,
      validation_ratio: body.validation_ratio,
      vision_profile: body.vision_profile ?? null,
      webhook_secret: newWebhookSecret(),
      created_at: Math.floor(Date.now() / 1000),
    };
    await repo.insertDataset(c.env.DB, row);
    return c.json(
      { ...datasetJson(row, { train: 0, validation: 0 }), webhook_secret: row.webhook_secret },
      200,
    );
  },
);

add(
  {
    method: "get",
    path: "/",
    summary: "List datasets, newest first",
    request: { query: PageQuery },
    responses: ok(DatasetListSchema, "A page of datasets"),
  },
  async (c, { query }) => {
    const rows = await repo.listDatasets(c.env.DB, c.get("principal").tenant.id, query.limit, query.after);
    if (rows === null) throw unknownCursor(query.after ?? "", "dataset of yours");
    const page = rows.slice(0, query.limit);
    const data = await Promise.all(page.map((r) => datasetWithCounts(c.env.DB, r)));
    return c.json(pageOf(data, rows.length > page.length), 200);
  },
);

resourceRoute(
  ownedDataset,
  {
    method: "get",
    path: "/{dataset_id}",
    summary: "Retrieve a dataset with its example counts per split",
    responses: ok(DatasetSchema, "The dataset"),
  },
  async (c, row) => c.json(await datasetWithCounts(c.env.DB, row), 200),
);

resourceRoute(
  ownedDataset,
  {
    method: "delete",
    path: "/{dataset_id}",
    summary: "Delete a dataset and its examples",
    responses: ok(DeletedDatasetSchema, "Deleted"),
  },
  async (c, row) => {
    await repo.deleteDataset(c.env.DB, row.id);
    return c.json({ id: row.id, object: "dataset.deleted" as const, deleted: true }, 200);
  },
);
