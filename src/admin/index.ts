import { createRoute, z } from "@hono/zod-openapi";
import { cacheAdmin } from "../cache/admin";
import { forgetCachedIdentity, requireAdmin } from "../identity/authenticate";
import type { Tenant } from "../identity/principal";
import * as repo from "../identity/repository";
import { mergePatch, TenantSettingsSchema } from "../identity/settings";
import { GatewayError } from "../platform/errors";
import { createApp, errorResponses, validationError } from "../platform/openapi";
import {
  ApiKeySchema,
  CreatedApiKeySchema,
  CreateKeySchema,
  CreateTenantSchema,
  listOf,
  TenantIdParams,
  TenantSchema,
  UpdateTenantSchema,
} from "./schemas";

const security = [{ adminToken: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

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
    created_at: k.createdAt,
    revoked_at: k.revokedAt,
  };
}

async function mustGetTenant(db: D1Database, id: string): Promise<Tenant> {
  const tenant = await repo.getTenant(db, id);
  if (!tenant)
    throw new GatewayError(404, `No tenant with id '${id}'.`, { param: "id", code: "tenant_not_found" });
  return tenant;
}

/** `/admin`: tenants, their settings and API keys, behind `ADMIN_TOKEN`. */
export const admin = createApp();
admin.use("*", requireAdmin);
admin.route("/", cacheAdmin);

admin.openapi(
  createRoute({
    method: "post",
    path: "/tenants",
    tags: ["Admin"],
    summary: "Create a tenant",
    security,
    request: { body: body(CreateTenantSchema) },
    responses: { 201: json(TenantSchema, "The tenant"), ...errorResponses },
  }),
  async (c) => {
    const { name, settings } = c.req.valid("json");
    return c.json(tenantJson(await repo.createTenant(c.env.DB, name, settings ?? {})), 201);
  },
);

admin.openapi(
  createRoute({
    method: "get",
    path: "/tenants",
    tags: ["Admin"],
    summary: "List tenants",
    security,
    responses: { 200: json(listOf(TenantSchema), "The tenants"), ...errorResponses },
  }),
  async (c) =>
    c.json({ object: "list" as const, data: (await repo.listTenants(c.env.DB)).map(tenantJson) }, 200),
);

admin.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}",
    tags: ["Admin"],
    summary: "Get a tenant",
    security,
    request: { params: TenantIdParams },
    responses: { 200: json(TenantSchema, "The tenant"), ...errorResponses },
  }),
  async (c) => c.json(tenantJson(await mustGetTenant(c.env.DB, c.req.valid("param").id)), 200),
);

admin.openapi(
  createRoute({
    method: "patch",
    path: "/tenants/{id}",
    tags: ["Admin"],
    summary: "Rename a tenant or change its settings (JSON Merge Patch)",
    security,
    request: { params: TenantIdParams, body: body(UpdateTenantSchema) },
    responses: { 200: json(TenantSchema, "The updated tenant"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    const current = await mustGetTenant(c.env.DB, id);
    const merged = TenantSettingsSchema.safeParse(mergePatch(current.settings, patch.settings ?? {}));
    if (!merged.success) {
      throw validationError(
        merged.error.issues.map((i) => ({ ...i, path: ["settings", ...i.path] })),
        "request body",
      );
    }
    const updated = await repo.updateTenant(c.env.DB, id, patch.name ?? current.name, merged.data);
    if (!updated)
      throw new GatewayError(404, `No tenant with id '${id}'.`, { param: "id", code: "tenant_not_found" });
    forgetCachedIdentity({ tenantId: id });
    return c.json(tenantJson(updated), 200);
  },
);

admin.openapi(
  createRoute({
    method: "post",
    path: "/tenants/{id}/keys",
    tags: ["Admin"],
    summary: "Create an API key (the secret is shown once)",
    security,
    request: { params: TenantIdParams, body: body(CreateKeySchema) },
    responses: { 201: json(CreatedApiKeySchema, "The key with its secret"), ...errorResponses },
  }),
  async (c) => {
    const tenant = await mustGetTenant(c.env.DB, c.req.valid("param").id);
    const { key, info } = await repo.createKey(c.env.DB, tenant.id, c.req.valid("json").name);
    return c.json({ ...keyJson(info), key }, 201);
  },
);

admin.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}/keys",
    tags: ["Admin"],
    summary: "List a tenant's API keys (without secrets)",
    security,
    request: { params: TenantIdParams },
    responses: { 200: json(listOf(ApiKeySchema), "The keys"), ...errorResponses },
  }),
  async (c) => {
    const tenant = await mustGetTenant(c.env.DB, c.req.valid("param").id);
    return c.json(
      { object: "list" as const, data: (await repo.listKeys(c.env.DB, tenant.id)).map(keyJson) },
      200,
    );
  },
);

admin.openapi(
  createRoute({
    method: "delete",
    path: "/keys/{id}",
    tags: ["Admin"],
    summary: "Revoke an API key, effective at once",
    security,
    request: { params: z.object({ id: z.string().min(1) }) },
    responses: { 200: json(ApiKeySchema, "The revoked key"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const revoked = await repo.revokeKey(c.env.DB, id);
    if (!revoked)
      throw new GatewayError(404, `No API key with id '${id}'.`, { param: "id", code: "key_not_found" });
    forgetCachedIdentity({ keyId: id });
    return c.json(keyJson(revoked), 200);
  },
);
