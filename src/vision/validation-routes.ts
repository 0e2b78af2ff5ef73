/**
 * `GET /v1/datasets/:id/validations/:validation_id`: a background vision validation, polled until
 * `status` is `completed` (its `report` is then the same report a small validation answers at once).
 */
import { z } from "@hono/zod-openapi";
import { mustGetDataset } from "../datasets/access";
import { DatasetIdParams, ValidationRunSchema } from "../datasets/schemas";
import { notFound } from "../platform/errors";
import { ok } from "../platform/openapi";
import { routeKit } from "../platform/route-kit";
import { runJson } from "./run-json";

/** `/v1/datasets/{dataset_id}/validations`, beside the datasets router. */
const { router: validationRuns, add } = routeKit({ tags: ["Datasets"] });

export { validationRuns };

add(
  {
    method: "get",
    path: "/{dataset_id}/validations/{validation_id}",
    summary: "A background validation of a vision dataset (poll until completed)",
    request: { params: DatasetIdParams.extend({ validation_id: z.string().min(1) }) },
    responses: ok(ValidationRunSchema, "The validation run"),
  },
  async (c, { param: { dataset_id, validation_id } }) => {
    const dataset = await mustGetDataset(c, dataset_id);
    const found = /^vval_[0-9a-f]{24}$/.test(validation_id)
      ? await c.env.VISION_VALIDATOR.getByName(validation_id).describe()
      : null;
    if (!found || found.meta.tenantId !== dataset.tenant_id || found.meta.datasetId !== dataset.id) {
      throw notFound("validation", validation_id, { param: "validation_id" });
    }
    return c.json(runJson(found.meta, found.report), 200);
  },
);
