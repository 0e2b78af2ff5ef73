/**
 * Where one model call goes and what the gateway says about its model: the tenant's provider for
 * `provider/model` names (src/providers), else the gateway's upstream; a model past its shutdown date
 * is refused and one shutting down soon is announced in headers (src/models/lifecycle.ts).
 */
import type { Context } from "hono";
import type { CacheKind } from "../cache/key";
import type { TenantSettings } from "../identity/settings";
import { lifecycleNow } from "../models/clock";
import { assertServing, openaiShutdownDate } from "../models/lifecycle";
import type { AppEnv, Bindings } from "../platform/env";
import {
  accountOf,
  assertCapability,
  type ModelTarget,
  type ProviderAccount,
  providerEndpoint,
  resolveModel,
  tenantKeyRefused,
} from "../providers";
import { postJson } from "../upstream";
import { type Provider, providerForModel, withProvider } from "../upstream/providers";

export interface Dispatch {
  /** The model as the gateway names it (`provider/model` for a tenant's provider): cache key, capture, allow-list. */
  model: string;
  /** Lifecycle warning headers for the answer (`Sunset`, `x-edgegate-warning`), or none. */
  headers: Record<string, string>;
  /** The account that answers, recorded with the responses the call creates (src/responses). */
  account: ProviderAccount;
  /** POSTs a JSON body to the model's provider with the provider's model id. */
  send: (path: string, body: Record<string, unknown>, requestId: string) => Promise<Response>;
}

/** The shutdown date of a target: its provider's announcement, or OpenAI's table for OpenAI's API. */
export function shutdownDateOf(env: Bindings, settings: TenantSettings, target: ModelTarget): string | null {
  if (target.provider) return target.provider.shutdownDates[target.upstreamModel] ?? null;
  const served = providerForModel(env, settings, target.name);
  return served.baseUrl === env.OPENAI_BASE_URL ? openaiShutdownDate(target.name) : null;
}

export async function dispatchFor(c: Context<AppEnv>, kind: CacheKind, model: string): Promise<Dispatch> {
  const tenant = c.get("principal").tenant;
  const target = await resolveModel(c.env.DB, tenant.id, model, (p) => c.executionCtx.waitUntil(p));
  assertCapability(target, kind);
  const headers = assertServing(
    target.name,
    shutdownDateOf(c.env, tenant.settings, target),
    lifecycleNow(c.env),
  );
  const provider = target.provider;
  const endpoint: Promise<Provider> | null = provider ? providerEndpoint(c.env, provider) : null;
  const send = async (path: string, body: Record<string, unknown>, requestId: string) => {
    const accept = { accept: body.stream ? "text/event-stream" : "application/json" };
    if (!provider || !endpoint) {
      return postJson(
        withProvider(c.env, providerForModel(c.env, tenant.settings, body.model)),
        path,
        body,
        requestId,
        accept,
      );
    }
    const upstreamBody = { ...body, model: target.upstreamModel };
    return postJson(withProvider(c.env, await endpoint), path, upstreamBody, requestId, accept).catch(
      (err: unknown) => {
        throw tenantKeyRefused(err, provider);
      },
    );
  };
  const account = accountOf(c.env, tenant.settings, target);
  return { model: target.name, headers, account, send };
}

/** The response with extra headers (a new Response: relayed ones may be immutable). */
export function withHeaders(res: Response, headers: Record<string, string>): Response {
  if (Object.keys(headers).length === 0) return res;
  const out = new Response(res.body, res);
  for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  return out;
}
