/**
 * The simulator's own control API under `/__sim/*` (no auth): health, request statistics, reset,
 * fault injection and live configuration, so tests can steer and observe the fake upstream.
 */
import { badRequest, isObject, type JsonObject } from "./errors";
import { json, parseJsonValue, type Route } from "./http";
import { addFault, type FaultSpec, resetState, type SimConfig } from "./state";

const FAULT_NUMBERS = [
  "latencyMs",
  "errorStatus",
  "retryAfterSeconds",
  "count",
  "cutStreamAfterEvents",
  "cutJsonAfterBytes",
  "stallStreamAfterEvents",
  "dropWebSocketAfterEvents",
  "closeWebSocketCode",
] as const;

function parseFault(value: unknown): FaultSpec {
  if (!isObject(value)) throw badRequest("A fault must be a JSON object.");
  const spec: FaultSpec = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === "route") {
      if (typeof field !== "string")
        throw badRequest("'route' must be a string such as \"POST /v1/chat/completions\".", key);
      spec.route = field;
    } else if (key === "refuseConnection") {
      if (typeof field !== "boolean") throw badRequest("'refuseConnection' must be a boolean.", key);
      spec.refuseConnection = field;
    } else if ((FAULT_NUMBERS as readonly string[]).includes(key)) {
      if (typeof field !== "number" || !Number.isFinite(field) || field < 0) {
        throw badRequest(`'${key}' must be a non-negative number.`, key);
      }
      spec[key as (typeof FAULT_NUMBERS)[number]] = field;
    } else {
      throw badRequest(`Unknown fault field '${key}'.`, key);
    }
  }
  if (spec.errorStatus !== undefined && (spec.errorStatus < 400 || spec.errorStatus > 599)) {
    throw badRequest("'errorStatus' must be an HTTP error status (400–599).", "errorStatus");
  }
  return spec;
}

const CONFIG_TYPES: Record<keyof SimConfig, "string" | "nullable-string" | "number" | "string-list"> = {
  apiKey: "nullable-string",
  extraApiKeys: "string-list",
  webhookUrl: "nullable-string",
  webhookSecret: "string",
  fineTuneStepMs: "number",
  realtimeMaxSessionSeconds: "number",
  streamChunkDelayMs: "number",
  backgroundStepMs: "number",
};

function parseConfig(body: JsonObject): Partial<SimConfig> {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const type = CONFIG_TYPES[key as keyof SimConfig] as (typeof CONFIG_TYPES)[keyof SimConfig] | undefined;
    if (!type) throw badRequest(`Unknown config field '${key}'.`, key);
    const ok =
      type === "number"
        ? typeof value === "number" && Number.isFinite(value) && value >= 0
        : type === "string-list"
          ? Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")
          : typeof value === "string" || (type === "nullable-string" && value === null);
    if (!ok) throw badRequest(`Invalid value for config field '${key}'.`, key);
    patch[key] = value;
  }
  if (typeof patch.webhookSecret === "string" && patch.webhookSecret.length === 0) {
    throw badRequest("'webhookSecret' must not be empty.", "webhookSecret");
  }
  return patch as Partial<SimConfig>;
}

export const controlRoutes: Route[] = [
  { method: "GET", pattern: /^\/__sim\/health$/, handler: () => json({ ok: true }) },
  {
    method: "GET",
    pattern: /^\/__sim\/stats$/,
    handler: (ctx) =>
      json({
        requests: Object.fromEntries(ctx.state.requests),
        requests_by_key: Object.fromEntries(ctx.state.requestsByKey),
      }),
  },
  {
    method: "POST",
    pattern: /^\/__sim\/reset$/,
    handler: (ctx) => {
      resetState(ctx.state);
      if (ctx.state.scope === null) ctx.store.promptCache.clear();
      return json({ ok: true });
    },
  },
  { method: "GET", pattern: /^\/__sim\/faults$/, handler: (ctx) => json({ faults: ctx.state.faults }) },
  {
    method: "POST",
    pattern: /^\/__sim\/faults$/,
    handler: async (ctx) => {
      const raw = parseJsonValue(await ctx.readBody());
      const specs = (Array.isArray(raw) ? raw : [raw]).map(parseFault);
      for (const spec of specs) addFault(ctx.state, spec);
      return json({ faults: ctx.state.faults });
    },
  },
  {
    method: "DELETE",
    pattern: /^\/__sim\/faults$/,
    handler: (ctx) => {
      ctx.state.faults = [];
      return json({ faults: [] });
    },
  },
  { method: "GET", pattern: /^\/__sim\/config$/, handler: (ctx) => json(ctx.state.config) },
  {
    method: "POST",
    pattern: /^\/__sim\/config$/,
    handler: async (ctx) => {
      Object.assign(ctx.state.config, parseConfig(await ctx.readJson()));
      return json(ctx.state.config);
    },
  },
];
