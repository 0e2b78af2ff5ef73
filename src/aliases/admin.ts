/**
 * `/admin/tenants/:id/aliases`: model aliases with an optional canary, and promotion of the
 * candidate guarded by an evaluation.
 */

import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getTenant } from "../identity/repository";
import { lifecycleNow } from "../models/clock";
import { deprecationHeaders, isPast, modelShutDown } from "../models/lifecycle";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { createApp, errorResponses, ok } from "../platform/openapi";
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

const security = [{ adminToken: [] }];
const tags = ["Admin: aliases"];
const okOr409 = <T extends z.ZodType>(schema: T, description: string) => ({
  ...ok(schema, description),
  409: errorResponses[400],
});

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

async function mustGetAlias(c: Context<AppEnv>, tenantId: string, alias: string): Promise<repo.AliasRow> {
  if (!(await getTenant(c.env.DB, tenantId))) {
    throw new GatewayError(404, `No tenant with id '${tenantId}'.`, {
      param: "id",
      code: "tenant_not_found",
    });
  }
  const row = await repo.getAlias(c.env.DB, tenantId, alias);
  if (!row)
    throw new GatewayError(404, `No alias '${alias}' for this tenant.`, {
      param: "alias",
      code: "not_found",
    });
  return row;
}

export const aliasAdmin = createApp();

aliasAdmin.openapi(
  createRoute({
    method: "put",
    path: "/tenants/{id}/aliases/{alias}",
    tags,
    security,
    summary: "Create or replace an alias: {model, canary?: {model, percent}}",
    description:
      "A model (or canary model) past its shutdown date is refused with 404 `model_not_found` naming the date; one shutting down within 60 days is accepted with the `Sunset` and `x-edgegate-warning` response headers (docs/providers.md).",
    request: {
      params: AliasParams,
      body: { required: true, content: { "application/json": { schema: PutAliasSchema } } },
    },
    responses: okOr409(AliasSchema, "The alias"),
  }),
  async (c) => {
    const { id, alias } = c.req.valid("param");
    const tenant = await getTenant(c.env.DB, id);
    if (!tenant) {
      throw new GatewayError(404, `No tenant with id '${id}'.`, { param: "id", code: "tenant_not_found" });
    }
    const body = c.req.valid("json");
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

aliasAdmin.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}/aliases",
    tags,
    security,
    summary: "List a tenant's aliases",
    description:
      "With `eval_id`, each alias carries `promotion`: whether that evaluation allows promoting its candidate, by the rule `POST …/promote` applies (same reason and code as its 409).",
    request: { params: TenantParams, query: AliasListQuery },
    responses: okOr409(z.object({ object: z.literal("list"), data: z.array(AliasSchema) }), "The aliases"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { eval_id, threshold } = c.req.valid("query");
    const verdict = eval_id
      ? promotionVerdict(await mustGetTenantEval(c.env.DB, id, eval_id), threshold)
      : null;
    const rows = await repo.listAliases(c.env.DB, id);
    return c.json({ object: "list" as const, data: rows.map((row) => aliasJson(row, verdict)) }, 200);
  },
);

aliasAdmin.openapi(
  createRoute({
    method: "delete",
    path: "/tenants/{id}/aliases/{alias}",
    tags,
    security,
    summary: "Delete an alias",
    request: { params: AliasParams },
    responses: okOr409(
      z.object({ object: z.literal("model_alias.deleted"), alias: z.string(), deleted: z.boolean() }),
      "Deleted",
    ),
  }),
  async (c) => {
    const { id, alias } = c.req.valid("param");
    await mustGetAlias(c, id, alias);
    await repo.deleteAlias(c.env.DB, id, alias);
    forgetAliases(id);
    return c.json({ object: "model_alias.deleted" as const, alias, deleted: true }, 200);
  },
);

aliasAdmin.openapi(
  createRoute({
    method: "post",
    path: "/tenants/{id}/aliases/{alias}/promote",
    tags,
    security,
    summary: "Make the evaluated candidate the alias's model, if the evaluation shows it at least as good",
    request: {
      params: AliasParams,
      body: { required: true, content: { "application/json": { schema: PromoteSchema } } },
    },
    responses: okOr409(AliasSchema, "The promoted alias"),
  }),
  async (c) => {
    const { id, alias } = c.req.valid("param");
    const { eval_id, threshold } = c.req.valid("json");
    const row = await mustGetAlias(c, id, alias);
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
