/**
 * Calls to the fine-tuning API: the gateway's upstream, or the tenant's OpenAI-compatible
 * `distillation.fine_tuning.base_url`. Everything goes through `callUpstream`.
 * @see docs/openai-reference.md D.3 and D.5
 */
import type { TenantSettings } from "../identity/settings";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import type { JsonObject } from "../platform/json";
import { assertOutboundUrl, outboundPolicy } from "../platform/outbound-url";
import { callUpstream, type UpstreamRequest } from "../upstream";
import { type Provider, providerKey, withProvider } from "../upstream/providers";

/** Where fine-tuning calls go: a base URL (its key from the Worker's secrets), or a tenant provider's endpoint. */
export type FineTuningTarget = string | Provider;

/** The base URL fine-tuning calls go to for a tenant. */
export function fineTuningBaseUrl(env: Bindings, settings: TenantSettings): string {
  return settings.distillation?.fine_tuning?.base_url ?? env.OPENAI_BASE_URL;
}

/** The tenant setting a refused fine-tuning URL is reported under. */
export const BASE_URL_PARAM = "settings.distillation.fine_tuning.base_url";

/**
 * Refuses (400 `invalid_url`/`url_not_allowed`) a `distillation.fine_tuning.base_url` being saved that
 * the outbound-URL guard would not call; the operator's own upstream is always fine.
 */
export async function assertFineTuningBaseUrl(
  env: Bindings,
  settings: TenantSettings,
  previous?: TenantSettings,
): Promise<void> {
  const baseUrl = settings.distillation?.fine_tuning?.base_url;
  // A patch that leaves the saved URL alone is not refused for it (it is checked again at each call).
  if (baseUrl === undefined || baseUrl === previous?.distillation?.fine_tuning?.base_url) return;
  if (baseUrl.replace(/\/+$/, "") === env.OPENAI_BASE_URL.replace(/\/+$/, "")) return;
  await assertOutboundUrl(baseUrl, outboundPolicy(env), BASE_URL_PARAM);
}

/**
 * Calls the fine-tuning API. A tenant's own base URL goes through the outbound-URL guard at every
 * call (DNS answers change after the setting was saved); the gateway's upstream is the operator's.
 */
export async function call(
  env: Bindings,
  target: FineTuningTarget,
  req: Omit<UpstreamRequest, "requestId"> & { requestId?: string },
) {
  // A tenant provider's endpoint was checked by the outbound guard when it was resolved.
  if (typeof target !== "string")
    return callUpstream(withProvider(env, target), { requestId: crypto.randomUUID(), ...req });
  const baseUrl = target;
  if (baseUrl.replace(/\/+$/, "") !== env.OPENAI_BASE_URL.replace(/\/+$/, "")) {
    await assertOutboundUrl(baseUrl, outboundPolicy(env), BASE_URL_PARAM);
  }
  const upstream = withProvider(env, { baseUrl, apiKey: providerKey(env, baseUrl) });
  return callUpstream(upstream, { requestId: crypto.randomUUID(), ...req });
}

/** The provider's JSON answer, or its error re-raised in OpenAI's shape (5xx become 502). */
export async function jsonOrThrow(res: Response, what: string): Promise<JsonObject> {
  const body = (await res.json().catch(() => null)) as JsonObject | null;
  if (res.ok && body) return body;
  const error = (body?.error ?? {}) as { message?: string; param?: string; code?: string };
  const status = res.status >= 400 && res.status < 500 ? (res.status as 400) : 502;
  throw new GatewayError(
    status,
    `The fine-tuning API refused to ${what}: ${error.message ?? `HTTP ${res.status}`}`,
    {
      param: error.param ?? null,
      code: error.code ?? "upstream_error",
    },
  );
}

/** Uploads JSONL as a `fine-tune` file (multipart, as `/v1/files` expects), under the client's request id. */
export async function uploadJsonl(
  env: Bindings,
  target: FineTuningTarget,
  filename: string,
  jsonl: string,
  requestId: string,
): Promise<JsonObject> {
  const form = new FormData();
  form.append("purpose", "fine-tune");
  form.append("file", new Blob([jsonl], { type: "application/jsonl" }), filename);
  const encoded = new Response(form);
  const res = await call(env, target, {
    method: "POST",
    path: "/files",
    requestId,
    body: await encoded.arrayBuffer(),
    contentType: encoded.headers.get("content-type") ?? "multipart/form-data",
  });
  return jsonOrThrow(res, `upload ${filename}`);
}

export async function createUpstreamJob(
  env: Bindings,
  target: FineTuningTarget,
  body: JsonObject,
  requestId: string,
): Promise<JsonObject> {
  const res = await call(env, target, {
    method: "POST",
    path: "/fine_tuning/jobs",
    requestId,
    body: JSON.stringify(body),
    contentType: "application/json",
  });
  return jsonOrThrow(res, "create the fine-tuning job");
}

export async function getUpstream(
  env: Bindings,
  target: FineTuningTarget,
  path: string,
): Promise<JsonObject> {
  return jsonOrThrow(await call(env, target, { method: "GET", path }), `read ${path}`);
}
