/**
 * Calls to the fine-tuning API: the gateway's upstream, or the tenant's OpenAI-compatible
 * `distillation.fine_tuning.base_url`. Everything goes through `callUpstream`.
 * @see docs/openai-reference.md D.3 and D.5
 */
import type { TenantSettings } from "../identity/settings";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { assertOutboundUrl, outboundPolicy } from "../platform/outbound-url";
import { callUpstream, type UpstreamRequest } from "../upstream";
import { providerKey, withProvider } from "../upstream/providers";

export type Json = Record<string, unknown>;

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
  baseUrl: string,
  req: Omit<UpstreamRequest, "requestId"> & { requestId?: string },
) {
  if (baseUrl.replace(/\/+$/, "") !== env.OPENAI_BASE_URL.replace(/\/+$/, "")) {
    await assertOutboundUrl(baseUrl, outboundPolicy(env), BASE_URL_PARAM);
  }
  const target = withProvider(env, { baseUrl, apiKey: providerKey(env, baseUrl) });
  return callUpstream(target, { requestId: crypto.randomUUID(), ...req });
}

/** The provider's JSON answer, or its error re-raised in OpenAI's shape (5xx become 502). */
export async function jsonOrThrow(res: Response, what: string): Promise<Json> {
  const body = (await res.json().catch(() => null)) as Json | null;
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
  baseUrl: string,
  filename: string,
  jsonl: string,
  requestId: string,
): Promise<Json> {
  const form = new FormData();
  form.append("purpose", "fine-tune");
  form.append("file", new Blob([jsonl], { type: "application/jsonl" }), filename);
  const encoded = new Response(form);
  const res = await call(env, baseUrl, {
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
  baseUrl: string,
  body: Json,
  requestId: string,
): Promise<Json> {
  const res = await call(env, baseUrl, {
    method: "POST",
    path: "/fine_tuning/jobs",
    requestId,
    body: JSON.stringify(body),
    contentType: "application/json",
  });
  return jsonOrThrow(res, "create the fine-tuning job");
}

export async function getUpstream(env: Bindings, baseUrl: string, path: string): Promise<Json> {
  return jsonOrThrow(await call(env, baseUrl, { method: "GET", path }), `read ${path}`);
}
