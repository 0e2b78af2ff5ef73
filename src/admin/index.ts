import { z } from "@hono/zod-openapi";
import { assertFineTuningBaseUrl } from "../finetune/provider";
import { adminCallerOf, adminTenant } from "../identity/admin-access";
import { forgetCachedIdentity } from "../identity/authenticate";
import type { Tenant } from "../identity/principal";
import * as repo from "../identity/repository";
import { FULL_TENANT_SCOPES, type Scope, scopeList } from "../identity/scopes";
import { mergePatch, type TenantSettings, TenantSettingsSchema } from "../identity/settings";
import { GatewayError, notFound } from "../platform/errors";
import { created, errorResponses, jsonResponse, ok, validationError } from "../platform/openapi";
import { jsonBody, listSchema, routeKit } from "../platform/route-kit";
import {
  ApiKeySchema,
  CreatedApiKeySchema,
  CreateKeySchema,
  CreateTenantSchema,
  PrincipalSchema,
  TenantKeyParams,
  TenantSchema,
  UpdateTenantSchema,
} from "./schemas";

function tenantJson(t: Tenant) {
  return { object: "tenant" as const, id: t.id, name: t.name, settings: t.settings, created_at: t.createdAt };
}

function keyJson(k: repo.ApiKeyInfo) {
  return {
    object: "api_key" as const,
    id: k.id,
    tenant_id: k.tenantId,
    name: k.name,
    prefix: k.prefix,
    console: k.scopes.has("admin"),
    scopes: scopeList(k.scopes),
    created_at: k.createdAt,
    revoked_at: k.revokedAt,
  };
}

/** The semantic cache's embedding model is a model call: it must be within `allowed_models`. */
function assertEmbeddingModelAllowed(settings: TenantSettings): void {
  const model = settings.cache?.semantic?.embedding_model;
  const allowed = settings.allowed_models;
  if (model === undefined || !allowed || allowed.includes(model)) return;
  throw new GatewayError(
    400,
    `The embedding model '${model}' is not in the tenant's allowed_models (${allowed.join(", ")}): pick one of those, or leave it out for the default.`,
    { param: "settings.cache.semantic.embedding_model", code: "model_not_allowed" },
  );
}

/** Where the gateway's FINE_TUNING_API_KEY is sent: only the operator (ADMIN_TOKEN) may change it. */
/**
 * Settings only the gateway's operator (ADMIN_TOKEN) may change, because they bound what a tenant may
 * spend or reach: limits and quotas, model allow-lists, private image hosts, and the fine-tuning API
 * that receives FINE_TUNING_API_KEY. A tenant's console key may change every other setting.
 */
export const OPERATOR_SETTINGS: readonly (readonly string[])[] = [
  ["rate_limits"],
  ["allowed_models"],
  ["realtime", "allowed_models"],
  ["realtime", "max_session_seconds"],
  ["realtime", "max_concurrent_sessions_per_user"],
  ["realtime", "daily_audio_seconds_per_user"],
  ["realtime", "daily_tokens_per_user"],
  ["realtime", "reconnect_grace_seconds"],
  ["realtime", "replay_buffer_bytes"],
  ["vision", "allow_private_image_hosts"],
  ["vision", "request_budget"],
  ["distillation", "fine_tuning", "base_url"],
];

function settingAt(settings: unknown, path: readonly string[]): unknown {
  let value: unknown = settings;
  for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

/**
 * `/admin`: tenants, their settings and API keys. ADMIN_TOKEN everywhere; a console key on its own
 * tenant's routes (src/identity/admin-access.ts).
 */
const { router: admin, add, resourceRoute } = routeKit({ tags: ["Admin"] });

export { admin };

add(
  {
    method: "get",
    path: "/whoami",
    summary: "Who the credential is: the admin, or a tenant's console key",
    description:
      'Accepts ADMIN_TOKEN or a console key. A key without console access gets 403 `console_access_required` (create one with `"console": true`).',
    responses: {
      200: jsonResponse(PrincipalSchema, "The caller"),
      ...errorResponses,
      403: errorResponses[401],
    },
  },
  async (c) => {
    const caller = await adminCallerOf(c);
    if (caller.kind === "admin") return c.json({ object: "principal" as const, kind: "admin" as const }, 200);
    const { tenant, keyId, name, prefix } = caller.key;
    return c.json(
      {
        object: "principal" as const,
        kind: "tenant" as const,
        tenant: { id: tenant.id, name: tenant.name },
        key: { id: keyId, name, prefix },
        operator_settings: OPERATOR_SETTINGS.map((path) => `settings.${path.join(".")}`),
      },
      200,
    );
  },
);

add(
  {
    method: "post",
    path: "/tenants",
    summary: "Create a tenant",
    request: { body: jsonBody(CreateTenantSchema) },
    responses: created(TenantSchema, "The tenant"),
  },
  async (c, { json: { name, settings } }) => {
    assertEmbeddingModelAllowed(settings ?? {});
    await assertFineTuningBaseUrl(c.env, settings ?? {});
    return c.json(tenantJson(await repo.createTenant(c.env.DB, name, settings ?? {})), 201);
  },
);

add(
  {
    method: "get",
    path: "/tenants",
    summary: "List tenants",
    responses: ok(listSchema(TenantSchema), "The tenants"),
  },
  async (c) =>
    c.json({ object: "list" as const, data: (await repo.listTenants(c.env.DB)).map(tenantJson) }, 200),
);

resourceRoute(
  adminTenant,
  {
    method: "get",
    path: "/tenants/{id}",
    summary: "Get a tenant",
    responses: ok(TenantSchema, "The tenant"),
  },
  async (c, row) => c.json(tenantJson(row), 200),
);

resourceRoute(
  adminTenant,
  {
    method: "patch",
    path: "/tenants/{id}",
    summary: "Rename a tenant or change its settings (JSON Merge Patch)",
    request: { body: jsonBody(UpdateTenantSchema) },
    responses: ok(TenantSchema, "The updated tenant"),
  },
  async (c, current, { json: patch }) => {
    const { id } = current;
    const merged = TenantSettingsSchema.safeParse(mergePatch(current.settings, patch.settings ?? {}));
    if (!merged.success) {
      throw validationError(
        merged.error.issues.map((i) => ({ ...i, path: ["settings", ...i.path] })),
        "request body",
      );
    }
    const changed = OPERATOR_SETTINGS.find(
      (path) =>
        JSON.stringify(settingAt(merged.data, path)) !== JSON.stringify(settingAt(current.settings, path)),
    );
    if (changed && (await adminCallerOf(c)).kind !== "admin") {
      const param = `settings.${changed.join(".")}`;
      throw new GatewayError(
        403,
        `Only the gateway's ADMIN_TOKEN may change '${param}': limits, quotas, model allow-lists, private image hosts and the fine-tuning API are set by the operator. Leave it out of the patch.`,
        { param, code: "admin_token_required" },
      );
    }
    assertEmbeddingModelAllowed(merged.data);
    await assertFineTuningBaseUrl(c.env, merged.data, current.settings);
    const updated = await repo.updateTenant(c.env.DB, id, patch.name ?? current.name, merged.data);
    if (!updated) throw notFound("tenant", id, { param: "id", code: "tenant_not_found" });
    forgetCachedIdentity({ tenantId: id });
    return c.json(tenantJson(updated), 200);
  },
);

resourceRoute(
  adminTenant,
  {
    method: "post",
    path: "/tenants/{id}/keys",
    summary: "Create an API key (the secret is shown once)",
    request: { body: jsonBody(CreateKeySchema) },
    responses: created(CreatedApiKeySchema, "The key with its secret"),
  },
  async (c, tenant, { json: { name, console: consoleAccess, scopes } }) => {
    const granted = new Set<Scope>(scopes ?? FULL_TENANT_SCOPES);
    if (consoleAccess) granted.add("admin");
    const { key, info } = await repo.createKey(c.env.DB, tenant.id, name, granted);
    return c.json({ ...keyJson(info), key }, 201);
  },
);

resourceRoute(
  adminTenant,
  {
    method: "get",
    path: "/tenants/{id}/keys",
    summary: "List a tenant's API keys (without secrets)",
    responses: ok(listSchema(ApiKeySchema), "The keys"),
  },
  async (c, tenant) =>
    c.json({ object: "list" as const, data: (await repo.listKeys(c.env.DB, tenant.id)).map(keyJson) }, 200),
);

add(
  {
    method: "delete",
    path: "/keys/{id}",
    summary: "Revoke an API key, effective at once",
    request: { params: z.object({ id: z.string().min(1) }) },
    responses: ok(ApiKeySchema, "The revoked key"),
  },
  async (c, { param: { id } }) => {
    const revoked = await repo.revokeKey(c.env.DB, id);
    if (!revoked) throw notFound("API key", id, { param: "id", code: "key_not_found" });
    forgetCachedIdentity({ keyId: id });
    return c.json(keyJson(revoked), 200);
  },
);

add(
  {
    method: "delete",
    path: "/tenants/{id}/keys/{key_id}",
    summary: "Revoke an API key of the tenant, effective at once",
    request: { params: TenantKeyParams },
    responses: ok(ApiKeySchema, "The revoked key"),
  },
  async (c, { param: { id, key_id } }) => {
    const revoked = await repo.revokeKey(c.env.DB, key_id, id);
    if (!revoked) throw notFound("API key", key_id, { param: "key_id", code: "key_not_found" });
    forgetCachedIdentity({ keyId: key_id });
    return c.json(keyJson(revoked), 200);
  },
);
