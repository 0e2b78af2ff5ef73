/**
 * `GET /v1/datasets/:id/validations/:validation_id`: a background vision validation, polled until
 * `status` is `completed` (its `report` is then the same report a small validation answers at once).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { mustGetDataset } from "../datasets/access";
import { DatasetIdParams, ValidationRunSchema } from "../datasets/schemas";
import { GatewayError } from "../platform/errors";
import { createApp, errorResponses } from "../platform/openapi";
import { runJson } from "./run-json";

export const validationRuns = createApp();

validationRuns.openapi(
  createRoute({
    method: "get",
    path: "/{dataset_id}/validations/{validation_id}",
    tags: ["Datasets"],
    security: [{ bearer: [] }],
    summary: "A background validation of a vision dataset (poll until completed)",
    request: { params: DatasetIdParams.extend({ validation_id: z.string().min(1) }) },
    responses: {
      200: {
        description: "The validation run",
        content: { "application/json": { schema: ValidationRunSchema } },
      },
      ...errorResponses,
    },
  }),
  async (c) => {
    const { dataset_id, validation_id } = c.req.valid("param");
    const dataset = await mustGetDataset(c, dataset_id);
    const found = /^vval_[0-9a-f]{24}$/.test(validation_id)
      ? await c.env.VISION_VALIDATOR.getByName(validation_id).describe()
      : null;
    if (!found || found.meta.tenantId !== dataset.tenant_id || found.meta.datasetId !== dataset.id) {
      throw new GatewayError(404, `No validation found with id '${validation_id}' for this dataset.`, {
        param: "validation_id",
        code: "not_found",
      });
    }
    return c.json(runJson(found.meta, found.report), 200);
  },
);
