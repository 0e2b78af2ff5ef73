/**
 * `/admin/tenants/:id/providers`: the model providers a tenant registers (any OpenAI-compatible
 * API), called for models named `provider/model`. Keys are stored encrypted (keys.ts) and never
 * returned. docs/providers.md.
 */
import type { Context } from "hono";
import { adminCallerOf, adminTenant, tenantOrNotFound } from "../identity/admin-access";
import type { AppEnv } from "../platform/env";
import { foundOr, GatewayError } from "../platform/errors";
import { errorResponses, jsonResponse, ok, okOrConflict } from "../platform/openapi";
import { assertSavedUrl, outboundPolicy } from "../platform/outbound-url";
import { jsonBody, type OwnedResource, routeKit } from "../platform/route-kit";
import { keyHint, sealKey } from "./keys";
import { learnShutdownDates } from "./model-list";
import * as repo from "./repository";
import { forgetProviders } from "./resolve";
import {
  CreateProviderSchema,
  MAX_PROVIDERS_PER_TENANT,
  PatchProviderSchema,
  ProviderDeletedSchema,
  ProviderListSchema,
  ProviderParams,
  ProviderSchema,
} from "./schemas";

const { router: providerAdmin, resourceRoute } = routeKit({ tags: ["Admin: providers"] });

/** `/admin/tenants/{id}/providers…`. */
export { providerAdmin };

const GUARD_TEXT =
  "`base_url` must be http(s) without credentials and resolve only to public addresses (the outbound-URL guard; 400 `invalid_url` or `url_not_allowed`); a private host (an address, an internal name or a name resolving to a private address) needs the operator's OUTBOUND_ALLOW_PRIVATE_HOSTS and ADMIN_TOKEN (403 `admin_token_required` for a console key). Calls never follow redirects.";

export function providerJson(p: repo.StoredProvider) {
  return {
    object: "provider" as const,
    name: p.name,
    base_url: p.baseUrl,
    api_key_hint: p.keyHint,
    models: p.models,
    capabilities: p.capabilities,
    shutdown_dates: p.shutdownDates,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

async function mustGet(db: D1Database, tenantId: string, name: string): Promise<repo.StoredProvider> {
  await tenantOrNotFound(db, tenantId);
  return foundOr(await repo.getProvider(db, tenantId, name), "provider", name, { param: "name" });
}

/** `/tenants/{id}/providers/{name}`: the tenant's provider, or 404 (the tenant's, then the provider's). */
const ownedProvider: OwnedResource<typeof ProviderParams, repo.StoredProvider> = {
  params: ProviderParams,
  load: (c, params) => mustGet(c.env.DB, params.id, params.name),
};

/**
 * The outbound-URL guard at save time; a private host (written or resolved) also needs the operator's
 * ADMIN_TOKEN.
 */
async function assertBaseUrl(c: Context<AppEnv>, baseUrl: string): Promise<void> {
  const trim = (url: string) => url.replace(/\/+$/, "");
  if (trim(baseUrl) === trim(c.env.OPENAI_BASE_URL)) return;
  await assertSavedUrl(baseUrl, outboundPolicy(c.env), {
    param: "base_url",
    what: "a provider",
    isOperator: async () => (await adminCallerOf(c)).kind === "admin",
  });
}

/** A bare model id may be listed by one provider of the tenant only, or it would be ambiguous. */
function assertModelsFree(
  others: readonly repo.StoredProvider[],
  name: string,
  models: readonly string[],
): void {
  for (const other of others) {
    if (other.name === name) continue;
    const taken = models.find((m) => other.models.includes(m));
    if (taken) {
      throw new GatewayError(
        409,
        `The model '${taken}' is already listed by provider '${other.name}': a bare model id can belong to one provider only. Name it as '${name}/${taken}' instead.`,
        { param: "models", code: "model_conflict" },
      );
    }
  }
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/**
 * A provider as answered after it was stored: this isolate forgets its copy of the tenant's providers,
 * and when the provider's server or key is new, the shutdown dates that server announces are learned
 * first.
 */
async function storedProviderJson(c: Context<AppEnv>, provider: repo.StoredProvider, learnDates: boolean) {
  forgetProviders(provider.tenantId);
  if (learnDates) provider.shutdownDates = await learnShutdownDates(c.env, provider, c.get("requestId"));
  return providerJson(provider);
}

resourceRoute(
  adminTenant,
  {
    method: "post",
    path: "/tenants/{id}/providers",
    summary: "Register a model provider (any OpenAI-compatible API)",
    description: `Models of the provider are then named \`name/model-id\` (or by a bare id listed in \`models\`) in chat completions, responses, embeddings and evaluations, and are called with the provider's own key. ${GUARD_TEXT} The key is stored encrypted and never returned.`,
    request: { body: jsonBody(CreateProviderSchema) },
    responses: {
      201: jsonResponse(ProviderSchema, "The registered provider"),
      ...errorResponses,
      409: errorResponses[400],
    },
  },
  async (c, { id }, { json: body }) => {
    await assertBaseUrl(c, body.base_url);
    const existing = await repo.listProviders(c.env.DB, id);
    if (existing.length >= MAX_PROVIDERS_PER_TENANT) {
      throw new GatewayError(
        409,
        `A tenant can register at most ${MAX_PROVIDERS_PER_TENANT} providers; delete one first.`,
        {
          code: "too_many_providers",
        },
      );
    }
    const models = unique(body.models ?? []);
    assertModelsFree(existing, body.name, models);
    const now = Math.floor(Date.now() / 1000);
    const provider: repo.StoredProvider = {
      tenantId: id,
      name: body.name,
      baseUrl: body.base_url,
      keyCiphertext: await sealKey(c.env, id, body.name, body.api_key),
      keyHint: keyHint(body.api_key),
      models,
      capabilities: unique(body.capabilities),
      shutdownDates: {},
      createdAt: now,
      updatedAt: now,
    };
    if (!(await repo.insertProvider(c.env.DB, provider))) {
      throw new GatewayError(
        409,
        `The tenant already has a provider named '${body.name}'. Change it with PATCH.`,
        {
          param: "name",
          code: "provider_exists",
        },
      );
    }
    return c.json(await storedProviderJson(c, provider, true), 201);
  },
);

resourceRoute(
  adminTenant,
  {
    method: "get",
    path: "/tenants/{id}/providers",
    summary: "List the tenant's model providers",
    responses: ok(ProviderListSchema, "The providers, by name"),
  },
  async (c, { id }) => {
    const providers = await repo.listProviders(c.env.DB, id);
    return c.json({ object: "list" as const, data: providers.map(providerJson) }, 200);
  },
);

resourceRoute(
  ownedProvider,
  {
    method: "get",
    path: "/tenants/{id}/providers/{name}",
    summary: "Retrieve one model provider",
    responses: ok(ProviderSchema, "The provider"),
  },
  async (c, provider) => c.json(providerJson(provider), 200),
);

resourceRoute(
  ownedProvider,
  {
    method: "patch",
    path: "/tenants/{id}/providers/{name}",
    summary: "Change a model provider's URL, key, models or capabilities",
    description: `Fields left out stay as they are. ${GUARD_TEXT}`,
    request: {
      body: jsonBody(PatchProviderSchema),
    },
    responses: okOrConflict(ProviderSchema, "The changed provider"),
  },
  async (c, current, { param: { id, name }, json: body }) => {
    if (body.base_url !== undefined && body.base_url !== current.baseUrl)
      await assertBaseUrl(c, body.base_url);
    const models = body.models ? unique(body.models) : current.models;
    if (body.models) assertModelsFree(await repo.listProviders(c.env.DB, id), name, models);
    const next: repo.StoredProvider = {
      ...current,
      baseUrl: body.base_url ?? current.baseUrl,
      models,
      capabilities: body.capabilities ? unique(body.capabilities) : current.capabilities,
      updatedAt: Math.floor(Date.now() / 1000),
      ...(body.api_key !== undefined && {
        keyCiphertext: await sealKey(c.env, id, name, body.api_key),
        keyHint: keyHint(body.api_key),
      }),
      // Dates announced by another server say nothing about this one.
      ...(body.base_url !== undefined && body.base_url !== current.baseUrl && { shutdownDates: {} }),
    };
    await repo.updateProvider(c.env.DB, next);
    const newServerOrKey = body.base_url !== undefined || body.api_key !== undefined;
    return c.json(await storedProviderJson(c, next, newServerOrKey), 200);
  },
);

resourceRoute(
  ownedProvider,
  {
    method: "delete",
    path: "/tenants/{id}/providers/{name}",
    summary: "Delete a model provider and its stored key",
    responses: ok(ProviderDeletedSchema, "The provider is gone; its models are no longer routed to it"),
  },
  async (c, { tenantId, name }) => {
    await repo.deleteProvider(c.env.DB, tenantId, name);
    forgetProviders(tenantId);
    return c.json({ object: "provider.deleted" as const, name, deleted: true as const }, 200);
  },
);
