/**
 * The open-weight host persona: an OpenAI-compatible server under `/open-weight/v1` of the same
 * simulator, like a vLLM or TGI deployment serving open-weight base models and LoRA adapters on
 * them. Base models answer generically; an adapter loaded with `POST /open-weight/v1/load_lora_adapter`
 * (vLLM's name for it) answers the conversations of its training file with their training answers,
 * as the simulator's `ft:` models do. It has its own API key, `OPEN_WEIGHT_API_KEY`.
 * @see https://docs.vllm.ai/en/latest/features/lora.html
 */
import type { IncomingMessage } from "node:http";
import type { Model } from "openai/resources/models";
import { chatReply, runChat } from "./chat";
import { modelNotFound, optionalString, requireString, SimError } from "./errors";
import { type LearnedAnswer, TrainingFileError, validateTrainingFile } from "./fine-tuning-validate";
import { conversationKey } from "./generate";
import { json, type Route } from "./http";
import type { SimStore } from "./store";
import { nowSeconds } from "./text";

export const OPEN_WEIGHT_PREFIX = "/open-weight/v1";
/** The host's own key (a tenant registers it as its provider's `api_key`). */
export const OPEN_WEIGHT_API_KEY = "sk-open-weight-sim-5e1d";
export const OPEN_WEIGHT_BASE_MODELS = ["llama-3.1-8b-instruct", "qwen2.5-7b-instruct"] as const;
/** The catalog chat model whose request rules the host follows (the answer is the host model's own). */
const RULES_OF = "gpt-4o-mini";
const CREATED = 1721692800;

interface Adapter {
  id: string;
  base: string;
  created: number;
  answers: Map<string, LearnedAnswer>;
}

const adaptersOf = new WeakMap<SimStore, Map<string, Adapter>>();

function adapters(store: SimStore): Map<string, Adapter> {
  let map = adaptersOf.get(store);
  if (!map) {
    map = new Map();
    adaptersOf.set(store, map);
  }
  return map;
}

function authenticate(req: IncomingMessage): void {
  const key = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
  if (key === OPEN_WEIGHT_API_KEY) return;
  throw new SimError(401, "Invalid or missing API key.", "invalid_request_error", null, "invalid_api_key");
}

function listModels(store: SimStore): Model[] {
  const base = OPEN_WEIGHT_BASE_MODELS.map(
    (id): Model => ({ id, object: "model", created: CREATED, owned_by: "open-weight" }),
  );
  const tuned = [...adapters(store).values()].map(
    (a): Model => ({ id: a.id, object: "model", created: a.created, owned_by: "open-weight" }),
  );
  return [...base, ...tuned];
}

const route = (method: string, path: string, handler: Route["handler"]): Route => ({
  method,
  pattern: new RegExp(`^${OPEN_WEIGHT_PREFIX}${path}$`),
  handler: (ctx) => {
    authenticate(ctx.req);
    return handler(ctx);
  },
});

export const openWeightRoutes: Route[] = [
  route("GET", "/models", (ctx) => json({ object: "list", data: listModels(ctx.store) })),
  route("POST", "/chat/completions", async (ctx) => {
    const body = await ctx.readJson();
    const id = requireString(body, "model");
    const adapter = adapters(ctx.store).get(id);
    if (!adapter && !(OPEN_WEIGHT_BASE_MODELS as readonly string[]).includes(id)) throw modelNotFound(id);
    const result = runChat(ctx.store, { ...body, model: RULES_OF }, (req) => {
      req.model = { id, kind: "chat", base: adapter?.base ?? id, fineTuned: adapter !== undefined };
      req.generation.model = req.model.base;
      if (!adapter) return;
      const messages = req.generation.messages;
      const prompt = messages.at(-1)?.role === "assistant" ? messages.slice(0, -1) : messages;
      req.generation.memorized = adapter.answers.get(conversationKey(prompt));
    });
    return chatReply(result);
  }),
  route("POST", "/load_lora_adapter", async (ctx) => {
    const body = await ctx.readJson();
    const name = requireString(body, "lora_name");
    const base = requireString(body, "base_model");
    if (!(OPEN_WEIGHT_BASE_MODELS as readonly string[]).includes(base)) throw modelNotFound(base);
    const training = optionalString(body, "training_file") ?? "";
    try {
      const validated = validateTrainingFile(Buffer.from(training), "supervised", base, 1);
      adapters(ctx.store).set(name, { id: name, base, created: nowSeconds(), answers: validated.answers });
    } catch (error) {
      if (error instanceof TrainingFileError)
        throw new SimError(400, error.message, undefined, "training_file");
      throw error;
    }
    return json({ object: "lora_adapter", id: name, base_model: base });
  }),
];
