/**
 * `/admin/tenants/:id/aliases`: model aliases with an optional canary, and promotion of the
 * candidate guarded by an evaluation.
 */
import { z } from "@hono/zod-openapi";
import { tenantOrNotFound } from "../identity/admin-access";
import { lifecycleNow } from "../models/clock";
import { deprecationHeaders, isPast, modelShutDown } from "../models/lifecycle";
import { foundOr, GatewayError } from "../platform/errors";
import { okOrConflict } from "../platform/openapi";
import { jsonBody, listSchema, type OwnedResource, routeKit } from "../platform/route-kit";
import { resolveModel } from "../providers";
import { canUseModel } from "../proxy/model-access";
import { shutdownDateOf } from "../proxy/model-target";
import { mustGetTenantEval, type PromotionVerdict, promotionVerdict } from "./promotion";
import * as repo from "./repository";
import { forgetAliases } from "./route";
import {
  AliasListQuery,
  AliasParams,
  AliasSchema,
  PromoteSchema,
  PutAliasSchema,
  TenantParams,
} from "./schemas";

const { router: aliasAdmin, add, resourceRoute } = routeKit({ tags: ["Admin: aliases"] });

/** `/admin/tenants/{id}/aliases…`. */
export { aliasAdmin };

function aliasJson(row: repo.AliasRow, promotion: PromotionVerdict | null = null) {
  const canary =
    row.canary_model && row.canary_percent !== null
      ? { model: row.canary_model, percent: row.canary_percent }
      : null;
  return {
    object: "model_alias" as const,
    alias: row.alias,
    model: row.model,
    canary,
    promoted_eval_id: row.promoted_eval_id,
    updated_at: row.updated_at,
    promotion,
  };
}

/** `/tenants/{id}/aliases/{alias}`: the tenant's alias, or 404 (the tenant's, then the alias's). */
const tenantAlias: OwnedResource<typeof AliasParams, repo.AliasRow> = {
  params: AliasParams,
  load: async (c, { id, alias }) => {
    await tenantOrNotFound(c.env.DB, id);
    return foundOr(await repo.getAlias(c.env.DB, id, alias), "alias", alias, { param: "alias" });
  },
};

add(
  {
    method: "put",
    path: "/tenants/{id}/aliases/{alias}",
    summary: "Create or replace an alias: {model, canary?: {model, percent}}",
    description:
      "A model (or canary model) past its shutdown date is refused with 404 `model_not_found` naming the date; one shutting down within 60 days is accepted with the `Sunset` and `x-edgegate-warning` response headers (docs/providers.md).",
    request: {
      params: AliasParams,
      body: jsonBody(PutAliasSchema),
    },
    responses: okOrConflict(AliasSchema, "The alias"),
  },
  async (c, { param: { id, alias }, json: body }) => {
    const tenant = await tenantOrNotFound(c.env.DB, id);
    // An alias to a model past its shutdown would only answer 404; one shutting down soon is announced.
    for (const [param, model] of [
      ["model", body.model],
      ["canary.model", body.canary?.model],
    ] as const) {
      if (model === undefined) continue;
      const target = await resolveModel(c.env.DB, id, model);
      const date = shutdownDateOf(c.env, tenant.settings, target);
      const now = lifecycleNow(c.env);
      if (date && isPast(date, now)) throw modelShutDown(model, date, param);
      for (const [name, value] of Object.entries(deprecationHeaders(model, date, now))) c.header(name, value);
    }
    // Refused here too (requests through the alias would answer 404): an alias never names another
    // tenant's fine-tuned model on the shared provider account.
    for (const [param, model] of [
      ["model", body.model],
      ["canary.model", body.canary?.model],
    ] as const) {
      if (model !== undefined && !(await canUseModel(c.env.DB, id, model))) {
        throw new GatewayError(
          404,
          `The model \`${model}\` does not exist or you do not have access to it.`,
          {
            param,
            code: "model_not_found",
          },
        );
      }
    }
    const row: repo.AliasRow = {
      tenant_id: id,
      alias,
      model: body.model,
      canary_model: body.canary?.model ?? null,
      canary_percent: body.canary?.percent ?? null,
      promoted_eval_id: null,
      updated_at: Math.floor(Date.now() / 1000),
    };
    await repo.putAlias(c.env.DB, row);
    forgetAliases(id);
    return c.json(aliasJson(row), 200);
  },
);

add(
  {
    method: "get",
    path: "/tenants/{id}/aliases",
    summary: "List a tenant's aliases",
    description:
      "With `eval_id`, each alias carries `promotion`: whether that evaluation allows promoting its candidate, by the rule `POST …/promote` applies (same reason and code as its 409).",
    request: { params: TenantParams, query: AliasListQuery },
    responses: okOrConflict(listSchema(AliasSchema), "The aliases"),
  },
  async (c, { param: { id }, query: { eval_id, threshold } }) => {
    const verdict = eval_id
      ? promotionVerdict(await mustGetTenantEval(c.env.DB, id, eval_id), threshold)
      : null;
    const rows = await repo.listAliases(c.env.DB, id);
    return c.json({ object: "list" as const, data: rows.map((row) => aliasJson(row, verdict)) }, 200);
  },
);

resourceRoute(
  tenantAlias,
  {
    method: "delete",
    path: "/tenants/{id}/aliases/{alias}",
    summary: "Delete an alias",
    responses: okOrConflict(
      z.object({ object: z.literal("model_alias.deleted"), alias: z.string(), deleted: z.boolean() }),
      "Deleted",
    ),
  },
  async (c, { tenant_id: id, alias }) => {
    await repo.deleteAlias(c.env.DB, id, alias);
    forgetAliases(id);
    return c.json({ object: "model_alias.deleted" as const, alias, deleted: true }, 200);
  },
);

resourceRoute(
  tenantAlias,
  {
    method: "post",
    path: "/tenants/{id}/aliases/{alias}/promote",
    summary: "Make the evaluated candidate the alias's model, if the evaluation shows it at least as good",
    request: { body: jsonBody(PromoteSchema) },
    responses: okOrConflict(AliasSchema, "The promoted alias"),
  },
  async (c, row, { json: { eval_id, threshold } }) => {
    const id = row.tenant_id;
    const run = await mustGetTenantEval(c.env.DB, id, eval_id);
    const verdict = promotionVerdict(run, threshold);
    if (!verdict.eligible || !verdict.candidate) {
      throw new GatewayError(409, verdict.reason, { param: "eval_id", code: verdict.code });
    }
    const promoted = {
      ...row,
      model: verdict.candidate,
      canary_model: null,
      canary_percent: null,
      promoted_eval_id: eval_id,
      updated_at: Math.floor(Date.now() / 1000),
    };
    await repo.putAlias(c.env.DB, promoted);
    forgetAliases(id);
    return c.json(aliasJson(promoted), 200);
  },
);
