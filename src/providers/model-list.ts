/**
 * A tenant provider's own model list (`GET {base_url}/models`): what `/v1/models` shows of it, and
 * the `shutdown_date` each model announces, kept for the lifecycle checks (src/models/lifecycle.ts).
 * Best effort: a provider that does not answer lists only its registered `models`.
 * @see docs/openai-reference.md section G (`shutdown_date`)
 */
import type { Bindings } from "../platform/env";
import { log } from "../platform/log";
import { callUpstream } from "../upstream";
import { withProvider } from "../upstream/providers";
import { type StoredProvider, saveShutdownDates } from "./repository";
import { providerEndpoint } from "./resolve";

export interface ListedModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  shutdown_date?: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The provider's `/models` data, or null when it cannot be read. No retries: a listing must not stall. */
async function fetchModels(
  env: Bindings,
  provider: StoredProvider,
  requestId: string,
): Promise<ListedModel[] | null> {
  try {
    const target = { ...withProvider(env, await providerEndpoint(env, provider)), UPSTREAM_MAX_RETRIES: "0" };
    const res = await callUpstream(target, { method: "GET", path: "/models", requestId });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    const body = (await res.json()) as { data?: unknown };
    return Array.isArray(body.data)
      ? (body.data as ListedModel[]).filter((m) => typeof m?.id === "string")
      : null;
  } catch (err) {
    // The message never holds the key: errors name the provider, status or URL only.
    log(env, "warn", "provider model list unavailable", {
      request_id: requestId,
      provider: provider.name,
      error: err instanceof Error ? err.message : String(err),
    });
    return null;
  }
}

function shutdownDatesIn(models: readonly ListedModel[]): Record<string, string> {
  const dates: Record<string, string> = {};
  for (const m of models)
    if (typeof m.shutdown_date === "string" && DATE.test(m.shutdown_date)) dates[m.id] = m.shutdown_date;
  return dates;
}

/** Reads the provider's shutdown dates and stores them with it; returns the provider's dates. */
export async function learnShutdownDates(
  env: Bindings,
  provider: StoredProvider,
  requestId: string,
): Promise<Record<string, string>> {
  if (!provider.capabilities.includes("chat") && !provider.capabilities.includes("embeddings")) {
    return provider.shutdownDates;
  }
  const models = await fetchModels(env, provider, requestId);
  const dates = shutdownDatesIn(models ?? []);
  if (Object.keys(dates).length === 0) return provider.shutdownDates;
  await saveShutdownDates(env.DB, provider.tenantId, provider.name, dates);
  return { ...provider.shutdownDates, ...dates };
}

/**
 * The models of the tenant's providers as `/v1/models` entries named `provider/model`: what each
 * provider lists (its `shutdown_date` kept) plus its registered `models`.
 */
export async function providersModels(
  env: Bindings,
  providers: readonly StoredProvider[],
  requestId: string,
): Promise<ListedModel[]> {
  const serving = providers.filter(
    (p) => p.capabilities.includes("chat") || p.capabilities.includes("embeddings"),
  );
  const lists = await Promise.all(
    serving.map(async (p) => {
      const live = (await fetchModels(env, p, requestId)) ?? [];
      const byId = new Map(live.map((m) => [m.id, m]));
      for (const id of p.models)
        if (!byId.has(id)) byId.set(id, { id, object: "model", created: p.createdAt, owned_by: p.name });
      return [...byId.values()].map((m) => ({
        id: `${p.name}/${m.id}`,
        object: "model" as const,
        created: typeof m.created === "number" ? m.created : p.createdAt,
        owned_by: p.name,
        ...(m.shutdown_date !== undefined && { shutdown_date: m.shutdown_date }),
      }));
    }),
  );
  return lists.flat();
}
