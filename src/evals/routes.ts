/**
 * Evaluations: `POST /v1/datasets/:id/evals` compares two models on the validation split in the
 * background; `GET /v1/evals/:id` reports progress, per-item results and the summary.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ownedDataset } from "../datasets/access";
import { countExamples } from "../datasets/repository";
import { newId } from "../identity/crypto";
import type { AppEnv } from "../platform/env";
import { foundOr, GatewayError } from "../platform/errors";
import { ok } from "../platform/openapi";
import { jsonBody, listSchema, type OwnedResource, routeKit } from "../platform/route-kit";
import { assertModelAccessible, assertModelAllowed } from "../proxy";
import {
  type EvalRow,
  evalColumns,
  getOwnedEval,
  insertEval,
  listEvals,
  listItemResults,
} from "./repository";
import { CreateEvalSchema, EvalIdParams, EvalSchema } from "./schemas";
import type { ItemResult } from "./summary";

const tags = ["Evaluations"];

export function evalJson(row: EvalRow, items?: ItemResult[]) {
  const { models, grader, summary } = evalColumns(row);
  return {
    id: row.id,
    object: "dataset.eval" as const,
    dataset_id: row.dataset_id,
    status: row.status,
    models,
    grader,
    progress: { done: row.done, total: row.total },
    summary,
    error: row.error,
    created_at: row.created_at,
    completed_at: row.completed_at,
    ...(items ? { items } : {}),
  };
}

/** An evaluation of the caller's tenant, or 404. */
export async function mustGetEval(c: Context<AppEnv>, id: string): Promise<EvalRow> {
  const row = await getOwnedEval(c.env.DB, id, c.get("principal").tenant.id);
  return foundOr(row, "evaluation", id, { param: "eval_id" });
}

/** `/{eval_id}`: an evaluation of the caller's tenant. */
const ownedEval: OwnedResource<typeof EvalIdParams, EvalRow> = {
  params: EvalIdParams,
  load: (c, params) => mustGetEval(c, params.eval_id),
};

/** The judge is a model call billed to the tenant: it must be within `allowed_models` like the compared models. */
function assertJudgeAllowed(c: Context<AppEnv>, model: string): void {
  const allowed = c.get("principal").tenant.settings.allowed_models;
  if (!allowed || allowed.includes(model)) return;
  throw new GatewayError(
    400,
    `The judge model '${model}' is not in the tenant's allowed_models (${allowed.join(", ")}): pick one of those for grader.model.`,
    { param: "grader.model", code: "model_not_allowed" },
  );
}

const { router: datasetEvals, resourceRoute } = routeKit({ tags });

/** `/v1/datasets/{dataset_id}/evals`, beside the datasets router. */
export { datasetEvals };

resourceRoute(
  ownedDataset,
  {
    method: "post",
    path: "/{dataset_id}/evals",
    summary: "Compare [baseline, candidate] on the validation split (runs in the background)",
    description:
      "Both `models` and an `llm_judge` grader's `model` must be in the tenant's `allowed_models` when it is set: a compared model outside it answers 403 `model_not_allowed` (param `model`), a judge model 400 `model_not_allowed` (param `grader.model`). A fine-tuned (`ft:`) model, compared or judge, must come from the tenant's own jobs (404 `model_not_found` otherwise). A judge is named by model only; it is called through the gateway's upstream (or, for a `provider/model` name, the tenant's registered provider), never at a URL given here.",
    request: {
      body: jsonBody(CreateEvalSchema),
    },
    responses: ok(EvalSchema, "The queued evaluation"),
  },
  async (c, dataset, { json: body }) => {
    for (const model of body.models) assertModelAllowed(c, model);
    if (body.grader.type === "llm_judge") assertJudgeAllowed(c, body.grader.model);
    // The provider account is shared: another tenant's fine-tuned model answers as a missing one.
    const judge = body.grader.type === "llm_judge" ? [body.grader.model] : [];
    for (const model of [...body.models, ...judge]) await assertModelAccessible(c, model);
    const { validation } = await countExamples(c.env.DB, dataset.id);
    if (validation === 0) {
      throw new GatewayError(
        400,
        "The dataset's validation split is empty; add examples or raise validation_ratio.",
        {
          param: "dataset_id",
          code: "empty_validation_split",
        },
      );
    }
    const row: EvalRow = {
      id: newId("eval"),
      tenant_id: dataset.tenant_id,
      dataset_id: dataset.id,
      status: "queued",
      models: JSON.stringify(body.models),
      grader: JSON.stringify(body.grader),
      max_items: body.max_items,
      total: Math.min(validation, body.max_items),
      done: 0,
      summary: null,
      error: null,
      created_at: Math.floor(Date.now() / 1000),
      completed_at: null,
    };
    await insertEval(c.env.DB, row);
    await c.env.EVAL_RUNNER.getByName(row.id).start(row.id, c.get("requestId"));
    return c.json(evalJson(row), 200);
  },
);

resourceRoute(
  ownedDataset,
  {
    method: "get",
    path: "/{dataset_id}/evals",
    summary: "A dataset's evaluations, newest first (without per-item results)",
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "At most 100." }),
      }),
    },
    responses: ok(listSchema(EvalSchema), "The evaluations"),
  },
  async (c, dataset, { query: { limit } }) => {
    const rows = await listEvals(c.env.DB, dataset, limit);
    return c.json({ object: "list" as const, data: rows.map((row) => evalJson(row)) }, 200);
  },
);

const { router: evals, resourceRoute: evalRoute } = routeKit({ tags });

/** `/v1/evals/{eval_id}`. */
export { evals };

evalRoute(
  ownedEval,
  {
    method: "get",
    path: "/{eval_id}",
    summary: "An evaluation: status, progress, per-item results and the per-model summary",
    responses: ok(EvalSchema, "The evaluation"),
  },
  async (c, row) => {
    return c.json(evalJson(row, await listItemResults(c.env.DB, row.id)), 200);
  },
);
