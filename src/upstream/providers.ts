import type { TenantSettings } from "../identity/settings";
import type { Bindings } from "../platform/env";

/** Where a call goes and the key it carries. */
export interface Provider {
  baseUrl: string;
  apiKey: string;
}

const trim = (url: string) => url.replace(/\/+$/, "");

/**
 * The key sent to a base URL: the gateway's provider key (`OPENAI_API_KEY`) only ever goes to
 * `OPENAI_BASE_URL`; any other OpenAI-compatible API a tenant names gets `FINE_TUNING_API_KEY`
 * (or no key), so configuring a tenant can never leak the provider key to another host.
 */
export function providerKey(
  env: Pick<Bindings, "OPENAI_BASE_URL" | "OPENAI_API_KEY" | "FINE_TUNING_API_KEY">,
  baseUrl: string,
): string {
  if (trim(baseUrl) === trim(env.OPENAI_BASE_URL)) return env.OPENAI_API_KEY ?? "";
  return env.FINE_TUNING_API_KEY ?? "";
}

/** The tenant's fine-tuning API: `distillation.fine_tuning.base_url`, else the gateway's upstream. */
export function fineTuningProvider(env: Bindings, settings: TenantSettings): Provider {
  const baseUrl = settings.distillation?.fine_tuning?.base_url ?? env.OPENAI_BASE_URL;
  return { baseUrl, apiKey: providerKey(env, baseUrl) };
}

/**
 * Where a model is served: fine-tuned models (`ft:…`) of a tenant that trains on another API are
 * served by that API, so evaluations and alias traffic reach the model it trained; the rest go to
 * the gateway's upstream.
 */
export function providerForModel(env: Bindings, settings: TenantSettings, model: unknown): Provider {
  if (typeof model === "string" && model.startsWith("ft:") && settings.distillation?.fine_tuning?.base_url) {
    return fineTuningProvider(env, settings);
  }
  return { baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY ?? "" };
}

/** The bindings `callUpstream` reads, pointed at one provider. */
export function withProvider(env: Bindings, provider: Provider): Bindings {
  if (provider.baseUrl === env.OPENAI_BASE_URL && provider.apiKey === (env.OPENAI_API_KEY ?? "")) return env;
  return { ...env, OPENAI_BASE_URL: provider.baseUrl, OPENAI_API_KEY: provider.apiKey };
}
