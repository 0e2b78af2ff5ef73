/**
 * Which provider serves a model a tenant names: `provider-name/model-id` goes to the tenant's
 * provider of that name, a bare id listed in one of its providers' `models` goes there too, and
 * everything else to the gateway's own upstream (`src/upstream/providers.ts`). A tenant's provider
 * is called with its own key only; `OPENAI_API_KEY` never leaves for it.
 */
import type { CacheKind } from "../cache/key";
import type { TenantSettings } from "../identity/settings";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { IsolateCache, type WaitUntil } from "../platform/isolate-cache";
import { assertOutboundUrl, outboundPolicy } from "../platform/outbound-url";
import { type Provider, providerForModel, withProvider } from "../upstream/providers";
import { openKey } from "./keys";
import { type Capability, listProviders, type StoredProvider } from "./repository";

/** Where one model call goes. */
export interface ModelTarget {
  /** The model as the gateway knows it: `provider/model` for a tenant's provider, else as named. */
  name: string;
  /** The model id sent to the provider (without the `provider/` prefix). */
  upstreamModel: string;
  /** The tenant's provider, or null for the gateway's own upstream. */
  provider: StoredProvider | null;
}

/** How long an isolate reuses a tenant's provider list (writes in this isolate clear it at once). */
const CACHE_MS = 2_000;
const cached = new IsolateCache<StoredProvider[]>(CACHE_MS);

/** The tenant's providers, read at most every {@link CACHE_MS} per isolate (refreshed ahead). */
export function tenantProviders(
  db: D1Database,
  tenantId: string,
  waitUntil?: WaitUntil,
): Promise<StoredProvider[]> {
  return cached.get(tenantId, () => listProviders(db, tenantId), waitUntil);
}

/** Forgets the isolate's copy of a tenant's providers after a write. */
export function forgetProviders(tenantId: string): void {
  cached.forget(tenantId);
}

/** Resolves `model` against a provider list (pure; see the module comment). */
export function targetIn(providers: readonly StoredProvider[], model: string): ModelTarget {
  const slash = model.indexOf("/");
  if (slash > 0 && slash < model.length - 1) {
    const named = providers.find((p) => p.name === model.slice(0, slash));
    if (named) return { name: model, upstreamModel: model.slice(slash + 1), provider: named };
  }
  const listing = providers.find((p) => p.models.includes(model));
  if (listing) return { name: `${listing.name}/${model}`, upstreamModel: model, provider: listing };
  return { name: model, upstreamModel: model, provider: null };
}

export async function resolveModel(
  db: D1Database,
  tenantId: string,
  model: string,
  waitUntil?: WaitUntil,
): Promise<ModelTarget> {
  return targetIn(await tenantProviders(db, tenantId, waitUntil), model);
}

const NEEDS: Record<CacheKind, Capability> = { chat: "chat", responses: "chat", embeddings: "embeddings" };

/** Refuses a call the provider was not registered for (400 `capability_not_enabled`). */
export function assertCapability(target: ModelTarget, kind: CacheKind): void {
  const needed = NEEDS[kind];
  if (!target.provider || target.provider.capabilities.includes(needed)) return;
  throw new GatewayError(
    400,
    `Provider '${target.provider.name}' is not registered for ${needed}: add "${needed}" to its capabilities (PATCH /admin/tenants/{id}/providers/${target.provider.name}).`,
    { param: "model", code: "capability_not_enabled" },
  );
}

/** How long an isolate trusts a provider URL the outbound guard passed. */
const GUARD_MEMO_MS = 60_000;
const guarded = new Map<string, number>();

/**
 * The outbound-URL guard again before calls (DNS answers change after a URL was saved), remembered
 * per isolate for {@link GUARD_MEMO_MS} so the hot path does not resolve the host on every call.
 */
async function assertStillPublic(env: Bindings, baseUrl: string): Promise<void> {
  if (baseUrl.replace(/\/+$/, "") === env.OPENAI_BASE_URL.replace(/\/+$/, "")) return;
  if ((guarded.get(baseUrl) ?? 0) > Date.now()) return;
  await assertOutboundUrl(baseUrl, outboundPolicy(env), "base_url");
  guarded.set(baseUrl, Date.now() + GUARD_MEMO_MS);
}

/** The base URL and decrypted key of a tenant's provider, its URL checked by the outbound guard. */
export async function providerEndpoint(env: Bindings, provider: StoredProvider): Promise<Provider> {
  await assertStillPublic(env, provider.baseUrl);
  return {
    baseUrl: provider.baseUrl,
    apiKey: await openKey(env, provider.tenantId, provider.name, provider.keyCiphertext),
  };
}

/**
 * The provider refused the key the tenant registered (the upstream client reports a 401 as the
 * gateway's own credentials problem): say whose key it is and how to fix it.
 */
export function tenantKeyRefused(err: unknown, provider: StoredProvider): unknown {
  if (!(err instanceof GatewayError) || err.code !== "upstream_auth_failed") return err;
  return new GatewayError(
    502,
    `Provider '${provider.name}' refused the API key registered for it (HTTP 401). Set a valid key with PATCH /admin/tenants/{id}/providers/${provider.name}.`,
    { type: "server_error", code: "provider_auth_failed" },
  );
}

/**
 * The bindings and model id for a call made by the gateway itself (evaluations, the judge): a
 * tenant's provider for its models, else where `providerForModel` serves the model.
 */
export async function modelEndpoint(
  env: Bindings,
  tenantId: string,
  settings: TenantSettings,
  model: string,
): Promise<{ env: Bindings; model: string }> {
  const target = await resolveModel(env.DB, tenantId, model);
  if (!target.provider) return { env: withProvider(env, providerForModel(env, settings, model)), model };
  return {
    env: withProvider(env, await providerEndpoint(env, target.provider)),
    model: target.upstreamModel,
  };
}
