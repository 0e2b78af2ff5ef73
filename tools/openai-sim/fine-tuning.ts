/**
 * The fine-tuning jobs API: create (validated like the provider), list, retrieve, cancel, events and
 * checkpoints. The job's progress itself lives in `fine-tuning-run.ts`.
 * @see docs/openai-reference.md D.5
 */
import type { FineTuningJobCheckpoint } from "openai/resources/fine-tuning/jobs/checkpoints";
import type { FineTuningJob, FineTuningJobEvent } from "openai/resources/fine-tuning/jobs/jobs";
import {
  badRequest,
  invalidValue,
  isObject,
  type JsonObject,
  optionalMetadata,
  optionalNumber,
  optionalObject,
  optionalString,
  requireString,
  SimError,
} from "./errors";
import { getFile } from "./files";
import { cancelJob, isFinished, startJob } from "./fine-tuning-run";
import type { LearnedAnswer, MethodType } from "./fine-tuning-validate";
import { json, metadataFilter, paginate, param, type RequestContext, type Route } from "./http";
import { ORGANIZATION_ID } from "./models";
import type { SimState } from "./state";
import type { SimStore } from "./store";
import { nowSeconds, randomId } from "./text";

export interface JobRecord {
  job: FineTuningJob;
  /** Chronological; listed newest first. */
  events: FineTuningJobEvent[];
  checkpoints: FineTuningJobCheckpoint[];
  timers: Set<NodeJS.Timeout>;
  method: MethodType;
  /** The snapshot the job trains (a fine-tuned model's own base for continued fine-tuning). */
  base: string;
  suffix: string | null;
}

export interface FineTunedModel {
  id: string;
  base: string;
  created: number;
  jobId: string;
  /** Conversations from the training file and the answers learned for them. */
  examples: Map<string, LearnedAnswer>;
}

const SFT_MODELS = [
  "gpt-4.1-2025-04-14",
  "gpt-4.1-mini-2025-04-14",
  "gpt-4.1-nano-2025-04-14",
  "gpt-4o-2024-08-06",
  "gpt-4o-mini-2024-07-18",
  "gpt-4-0613",
  "gpt-3.5-turbo-0125",
  "gpt-3.5-turbo-1106",
  "gpt-3.5-turbo-0613",
  "babbage-002",
  "davinci-002",
];
const DPO_MODELS = [
  "gpt-4.1-2025-04-14",
  "gpt-4.1-mini-2025-04-14",
  "gpt-4.1-nano-2025-04-14",
  "gpt-4o-2024-08-06",
  "gpt-4o-mini-2024-07-18",
];
const RFT_MODELS = ["o4-mini-2025-04-16"];
/** Aliases the SDK lists for `model`, resolved to the snapshot the provider trains. */
const ALIASES: Record<string, string> = {
  "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
  "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
};
const METHOD_MODELS: Record<MethodType, readonly string[]> = {
  supervised: SFT_MODELS,
  dpo: DPO_MODELS,
  reinforcement: RFT_MODELS,
};

function resolveBase(store: SimStore, model: string): string | undefined {
  const tuned = store.fineTunedModels.get(model);
  if (tuned) return tuned.base;
  const snapshot = ALIASES[model] ?? model;
  return [...SFT_MODELS, ...RFT_MODELS].includes(snapshot) ? snapshot : undefined;
}

type Hyperparameters = Record<string, "auto" | number>;

function parseHyperparameters(value: unknown, path: string, method: MethodType): Hyperparameters {
  const hp: Hyperparameters = { batch_size: "auto", learning_rate_multiplier: "auto", n_epochs: "auto" };
  if (method === "dpo") hp.beta = "auto";
  if (value === undefined || value === null) return hp;
  if (!isObject(value))
    throw badRequest(`Invalid type for '${path}': expected an object.`, path, "invalid_type");
  const ranges: Record<string, { min: number; max?: number; integer?: boolean; exclusiveMin?: boolean }> = {
    n_epochs: { min: 1, max: 50, integer: true },
    batch_size: { min: 1, max: 256, integer: true },
    learning_rate_multiplier: { min: 0, exclusiveMin: true },
    beta: { min: 0, max: 2, exclusiveMin: true },
    compute_multiplier: { min: 0.00001, max: 10 },
  };
  for (const [key, raw] of Object.entries(value)) {
    const range = ranges[key];
    if (!range) {
      if (method === "reinforcement") continue;
      throw badRequest(`Unknown parameter: '${path}.${key}'.`, `${path}.${key}`, "unknown_parameter");
    }
    hp[key] = raw === "auto" ? "auto" : (optionalNumber(value, key, range, path) ?? "auto");
  }
  return hp;
}

function parseMethod(body: JsonObject, base: string): FineTuningJob.Method & { type: MethodType } {
  const method = optionalObject(body, "method");
  const rawType = method?.type ?? "supervised";
  if (rawType !== "supervised" && rawType !== "dpo" && rawType !== "reinforcement") {
    throw invalidValue("method.type", rawType, ["supervised", "dpo", "reinforcement"]);
  }
  const type: MethodType = rawType;
  if (!METHOD_MODELS[type].includes(base)) {
    throw badRequest(
      `Model ${base} does not support the '${type}' fine-tuning method.`,
      "method.type",
      "invalid_value",
    );
  }
  const config = method ? optionalObject(method, type, "method") : undefined;
  if (type === "reinforcement" && !isObject(config?.grader)) {
    throw badRequest(
      "Missing required parameter: 'method.reinforcement.grader'.",
      "method.reinforcement.grader",
      "missing_required_parameter",
    );
  }
  const legacy = method ? undefined : body.hyperparameters;
  const hyperparameters = parseHyperparameters(
    config?.hyperparameters ?? legacy,
    `method.${type}.hyperparameters`,
    type,
  );
  return { type, [type]: { ...config, hyperparameters } } as FineTuningJob.Method & { type: MethodType };
}

function fineTuneFile(store: SimStore, id: string, name: "training_file" | "validation_file"): Buffer {
  const file = store.files.get(id) ? getFile(store, id, name) : undefined;
  if (!file) throw new SimError(400, `invalid ${name}: ${id}`, "invalid_request_error", name, null);
  if (file.meta.purpose !== "fine-tune") {
    const message = `File ${id} has purpose '${file.meta.purpose}', but fine-tuning requires files with purpose 'fine-tune'.`;
    throw new SimError(400, message, "invalid_request_error", name, "invalid_file_purpose");
  }
  return file.content;
}

function createJob(state: SimState, store: SimStore, body: JsonObject): FineTuningJob {
  const model = requireString(body, "model");
  const base = resolveBase(store, model);
  if (!base) {
    throw new SimError(
      400,
      `Model ${model} is not available for fine-tuning or does not exist.`,
      "invalid_request_error",
      "model",
      "model_not_available",
    );
  }
  const trainingFile = requireString(body, "training_file");
  const training = fineTuneFile(store, trainingFile, "training_file");
  const validationFile = optionalString(body, "validation_file") ?? null;
  const validation = validationFile ? fineTuneFile(store, validationFile, "validation_file") : undefined;
  const suffix = optionalString(body, "suffix") ?? null;
  if (suffix !== null && (suffix.length < 1 || suffix.length > 64)) {
    throw badRequest("Invalid 'suffix': expected a string of 1 to 64 characters.", "suffix", "invalid_value");
  }
  const method = parseMethod(body, base);
  const integrations = Array.isArray(body.integrations) ? body.integrations : [];
  const job: FineTuningJob = {
    object: "fine_tuning.job",
    id: randomId("ftjob-", 24),
    model: ALIASES[model] ?? model,
    created_at: nowSeconds(),
    finished_at: null,
    fine_tuned_model: null,
    organization_id: ORGANIZATION_ID,
    result_files: [],
    status: "validating_files",
    validation_file: validationFile,
    training_file: trainingFile,
    hyperparameters: { ...(method[method.type as "supervised"]?.hyperparameters ?? {}) },
    trained_tokens: null,
    error: null,
    seed:
      optionalNumber(body, "seed", { integer: true, min: 0, max: 2147483647 }) ??
      Math.floor(Math.random() * 2147483647),
    estimated_finish: null,
    integrations: integrations as FineTuningJob["integrations"],
    metadata: optionalMetadata(body) ?? null,
    method,
  };
  const record: JobRecord = {
    job,
    events: [],
    checkpoints: [],
    timers: new Set(),
    method: method.type,
    base,
    suffix,
  };
  store.jobs.set(job.id, record);
  startJob(state, store, record, { training, validation });
  return job;
}

function getRecord(store: SimStore, id: string): JobRecord {
  const record = store.jobs.get(id);
  if (!record)
    throw new SimError(
      404,
      `No fine-tuning job found with id ${id}.`,
      "invalid_request_error",
      "fine_tuning_job_id",
      null,
    );
  return record;
}

function listJobs(ctx: RequestContext): ReturnType<typeof paginate<FineTuningJob>> {
  const filters = metadataFilter(ctx.query);
  const jobs = [...ctx.store.jobs.values()]
    .map((r) => r.job)
    .filter((job) => filters.every(([k, v]) => job.metadata?.[k] === v))
    .sort((a, b) => b.created_at - a.created_at);
  return paginate(jobs, ctx.query, 20, 100);
}

export const fineTuningRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/fine_tuning\/jobs$/,
    handler: async (ctx) => json(createJob(ctx.state, ctx.store, await ctx.readJson())),
  },
  { method: "GET", pattern: /^\/v1\/fine_tuning\/jobs$/, handler: (ctx) => json(listJobs(ctx)) },
  {
    method: "GET",
    pattern: /^\/v1\/fine_tuning\/jobs\/([^/]+)$/,
    handler: (ctx) => json(getRecord(ctx.store, param(ctx, 0)).job),
  },
  {
    method: "POST",
    pattern: /^\/v1\/fine_tuning\/jobs\/([^/]+)\/cancel$/,
    handler: (ctx) => {
      const record = getRecord(ctx.store, param(ctx, 0));
      if (isFinished(record.job)) {
        throw badRequest(
          `Job ${record.job.id} has already ${record.job.status === "cancelled" ? "been cancelled" : "completed"}.`,
          "fine_tuning_job_id",
        );
      }
      cancelJob(ctx.state, ctx.store, record);
      return json(record.job);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/fine_tuning\/jobs\/([^/]+)\/events$/,
    handler: (ctx) => {
      const page = paginate([...getRecord(ctx.store, param(ctx, 0)).events].reverse(), ctx.query, 20, 100);
      return json({ object: "list", data: page.data, has_more: page.has_more });
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/fine_tuning\/jobs\/([^/]+)\/checkpoints$/,
    handler: (ctx) =>
      json(paginate([...getRecord(ctx.store, param(ctx, 0)).checkpoints].reverse(), ctx.query, 10, 100)),
  },
];
