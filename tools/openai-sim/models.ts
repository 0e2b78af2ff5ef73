/**
 * The model catalog: `GET /v1/models`, `GET /v1/models/:id`, `DELETE /v1/models/:id` (fine-tuned
 * models only), and the lookup every model endpoint uses to answer 404 `model_not_found`.
 * @see https://platform.openai.com/docs/api-reference/models
 */
import type { Model, ModelDeleted } from "openai/resources/models";
import { modelNotFound, SimError } from "./errors";
import { json, param, type Route } from "./http";
import type { SimStore } from "./store";

export type ModelKind = "chat" | "reasoning" | "embedding" | "realtime" | "audio" | "image" | "completion";

interface CatalogEntry {
  id: string;
  created: number;
  owned_by: string;
  kind: ModelKind;
}

const entry = (id: string, created: number, kind: ModelKind, owned_by = "system"): CatalogEntry => ({
  id,
  created,
  owned_by,
  kind,
});

const CATALOG: readonly CatalogEntry[] = [
  entry("gpt-4o", 1715367049, "chat"),
  entry("gpt-4o-2024-05-13", 1715368132, "chat"),
  entry("gpt-4o-2024-08-06", 1722814719, "chat"),
  entry("gpt-4o-2024-11-20", 1739331543, "chat"),
  entry("gpt-4o-mini", 1721172741, "chat"),
  entry("gpt-4o-mini-2024-07-18", 1721172717, "chat"),
  entry("gpt-4.1", 1744316542, "chat"),
  entry("gpt-4.1-2025-04-14", 1744315746, "chat"),
  entry("gpt-4.1-mini", 1744318173, "chat"),
  entry("gpt-4.1-mini-2025-04-14", 1744317547, "chat"),
  entry("gpt-4.1-nano", 1744321707, "chat"),
  entry("gpt-4.1-nano-2025-04-14", 1744321025, "chat"),
  entry("gpt-5", 1754425777, "reasoning"),
  entry("gpt-5-2025-08-07", 1754075360, "reasoning"),
  entry("gpt-5-mini", 1754425928, "reasoning"),
  entry("gpt-5-mini-2025-08-07", 1754425867, "reasoning"),
  entry("gpt-5-nano", 1754426384, "reasoning"),
  entry("gpt-5-nano-2025-08-07", 1754426303, "reasoning"),
  // Prompt caching of GPT-5.5 (24h retention only) and GPT-5.6 (cache options, writes in usage).
  entry("gpt-5.5", 1777000000, "reasoning"),
  entry("gpt-5.6", 1785000000, "reasoning"),
  entry("o4-mini", 1744225351, "reasoning"),
  entry("o4-mini-2025-04-16", 1744133506, "reasoning"),
  entry("gpt-3.5-turbo", 1677610602, "chat", "openai"),
  entry("gpt-3.5-turbo-0125", 1706048358, "chat"),
  entry("gpt-3.5-turbo-1106", 1698959748, "chat"),
  entry("babbage-002", 1692634615, "completion"),
  entry("davinci-002", 1692634301, "completion"),
  entry("text-embedding-3-small", 1705948997, "embedding"),
  entry("text-embedding-3-large", 1705953180, "embedding"),
  entry("text-embedding-ada-002", 1671217299, "embedding", "openai-internal"),
  entry("gpt-realtime", 1756271701, "realtime"),
  entry("gpt-realtime-2025-08-28", 1756271773, "realtime"),
  entry("gpt-realtime-mini", 1759517133, "realtime"),
  entry("gpt-realtime-mini-2025-10-06", 1759517175, "realtime"),
  entry("gpt-4o-realtime-preview", 1727659998, "realtime"),
  entry("gpt-4o-mini-realtime-preview", 1734387380, "realtime"),
  entry("whisper-1", 1677532384, "audio", "openai-internal"),
  entry("gpt-4o-transcribe", 1742068463, "audio"),
  entry("gpt-4o-mini-transcribe", 1742068596, "audio"),
  entry("gpt-4o-mini-tts", 1742403959, "audio"),
  entry("tts-1", 1681940951, "audio", "openai-internal"),
  entry("dall-e-3", 1698785189, "image"),
  entry("gpt-image-1", 1745517030, "image"),
];

export const ORGANIZATION = "edgegate-sim";
/** The simulated account's organization id, as jobs and rate-limit errors name it. */
export const ORGANIZATION_ID = "org-EdgegateSimulatorOrg0001";

export interface ResolvedModel {
  id: string;
  kind: ModelKind;
  /** For `ft:` models, the base model the job started from. */
  base: string;
  fineTuned: boolean;
}

/** Looks a model up in the catalog and among the fine-tuned models created so far. */
export function findModel(store: SimStore, id: string): ResolvedModel | undefined {
  const catalog = CATALOG.find((m) => m.id === id);
  if (catalog) return { id, kind: catalog.kind, base: id, fineTuned: false };
  const tuned = store.fineTunedModels.get(id);
  if (!tuned) return undefined;
  const baseKind = CATALOG.find((m) => m.id === tuned.base)?.kind ?? "chat";
  return { id, kind: baseKind, base: tuned.base, fineTuned: true };
}

/** A model usable on a text-generation endpoint (Chat Completions, Responses), or the provider's 404. */
export function requireTextModel(store: SimStore, id: string, endpoint: string): ResolvedModel {
  const model = findModel(store, id);
  if (!model) throw modelNotFound(id);
  if (model.kind !== "chat" && model.kind !== "reasoning") {
    const message = `This is not a chat model and thus not supported in the ${endpoint} endpoint.`;
    throw new SimError(404, message, "invalid_request_error", "model", null);
  }
  return model;
}

/**
 * Announced shutdown dates (docs/openai-reference.md section G), served as `shutdown_date` on
 * `/v1/models`; fine-tuned models carry their base's date.
 */
const SHUTDOWN_DATES: Readonly<Record<string, string>> = {
  "o4-mini": "2026-10-23",
  "o4-mini-2025-04-16": "2026-10-23",
  "gpt-5": "2026-12-11",
  "gpt-5-2025-08-07": "2026-12-11",
  "gpt-5-mini": "2026-12-11",
  "gpt-5-mini-2025-08-07": "2026-12-11",
  "gpt-5-nano": "2026-12-11",
  "gpt-5-nano-2025-08-07": "2026-12-11",
  "gpt-4o-2024-08-06": "2027-01-14",
  "gpt-4o-2024-11-20": "2027-01-14",
  "gpt-4o-mini-2024-07-18": "2027-01-14",
  "gpt-4.1": "2027-01-14",
  "gpt-4.1-2025-04-14": "2027-01-14",
  "gpt-4.1-mini": "2027-01-14",
  "gpt-4.1-mini-2025-04-14": "2027-01-14",
};

/** A model entry with the `shutdown_date` field the SDK's `Model` type does not declare yet. */
type ListedModel = Model & { shutdown_date?: string | null };

function listModels(store: SimStore): ListedModel[] {
  const withDate = (model: Model, base: string): ListedModel => {
    const date = SHUTDOWN_DATES[base];
    return date ? { ...model, shutdown_date: date } : model;
  };
  const models: ListedModel[] = CATALOG.map(({ id, created, owned_by }) =>
    withDate({ id, object: "model", created, owned_by }, id),
  );
  for (const tuned of store.fineTunedModels.values()) {
    models.push(
      withDate({ id: tuned.id, object: "model", created: tuned.created, owned_by: ORGANIZATION }, tuned.base),
    );
  }
  return models;
}

export const modelRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/v1\/models$/,
    handler: (ctx) => json({ object: "list", data: listModels(ctx.store) }),
  },
  {
    method: "GET",
    pattern: /^\/v1\/models\/(.+)$/,
    handler: (ctx) => {
      const id = param(ctx, 0);
      const found = listModels(ctx.store).find((m) => m.id === id);
      if (!found) throw modelNotFound(id);
      return json(found);
    },
  },
  {
    method: "DELETE",
    pattern: /^\/v1\/models\/(.+)$/,
    handler: (ctx) => {
      const id = param(ctx, 0);
      if (!ctx.store.fineTunedModels.has(id)) {
        if (findModel(ctx.store, id)) {
          throw new SimError(
            403,
            "You have insufficient permissions for this operation.",
            "invalid_request_error",
          );
        }
        throw modelNotFound(id);
      }
      ctx.store.fineTunedModels.delete(id);
      const deleted: ModelDeleted = { id, object: "model", deleted: true };
      return json(deleted);
    },
  },
];
