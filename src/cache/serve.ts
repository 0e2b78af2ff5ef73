import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { type CacheEvent, type CacheOutcome, previewOf } from "./events";
import { costUsd, priceOf, usageOf } from "./prices";
import { replay } from "./replay";
import { queueStats, type StatsDelta } from "./stats";
import { ageSeconds, type CacheEntry } from "./store";
import type { CachedCall, CacheStatus, Flow } from "./types";

/** Tells the call's observer (capture) what was answered, outside the response path. */
export function notify(
  c: Context<AppEnv>,
  call: CachedCall,
  answer: Record<string, unknown> | null,
  status: CacheStatus,
): void {
  if (!call.onAnswer) return;
  const latencyMs = Math.round((performance.now() - call.startedAt) * 100) / 100;
  const answered = { kind: call.kind, request: call.body, answer, status, endUser: call.endUser, latencyMs };
  c.executionCtx.waitUntil(call.onAnswer(answered));
}

/** Adds to the tenant's counters and events log (kept in the isolate, flushed to D1 later). */
export function record(c: Context<AppEnv>, delta: StatsDelta, event?: CacheEvent): void {
  const flushAfterMs = Number(c.env.STATS_FLUSH_MS ?? 1_000);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  queueStats(c.env.DB, waitUntil, c.get("principal").tenant.id, delta, flushAfterMs, event);
}

/** The events-log entry of one answer; `fields` adds what only the outcome's step knows. */
export function cacheEvent(
  { c, call, framing }: Flow,
  outcome: CacheOutcome,
  fields: Partial<Pick<CacheEvent, "stored" | "similarity" | "key" | "shadow" | "model">> &
    Pick<CacheEvent, "inputTokensSaved" | "outputTokensSaved">,
): CacheEvent {
  return {
    tenantId: c.get("principal").tenant.id,
    at: Date.now(),
    endpoint: c.req.path,
    model: String(call.body.model),
    outcome,
    stored: false,
    stream: framing.stream,
    similarity: null,
    key: null,
    latencyMs: Math.round((performance.now() - call.startedAt) * 100) / 100,
    shadow: null,
    preview: c.get("principal").tenant.settings.cache?.event_previews === false ? "" : previewOf(call.body),
    ...fields,
  };
}

function savedBy(c: Context<AppEnv>, entry: CacheEntry): StatsDelta {
  const usage = usageOf(entry.body);
  const prices = c.get("principal").tenant.settings.cache?.prices;
  return {
    inputTokensSaved: usage.input,
    outputTokensSaved: usage.output,
    costSavedUsd: costUsd(usage, priceOf(entry.model, prices)),
  };
}

/** Answers from a stored (or coalesced) entry, in the request's framing, and counts what it saved. */
export function serveEntry(
  flow: Flow,
  entry: CacheEntry,
  status: "HIT" | "SEMANTIC_HIT" | "COALESCED",
  extra: { key: string; similarity?: number },
): Response {
  const { c, call, framing } = flow;
  c.set("cacheStatus", status);
  const counter = status === "HIT" ? "hits" : status === "SEMANTIC_HIT" ? "semanticHits" : "coalesced";
  const saved = savedBy(c, entry);
  const outcome = status === "HIT" ? "hit" : status === "SEMANTIC_HIT" ? "semantic_hit" : "coalesced";
  const event = cacheEvent(flow, outcome, {
    key: extra.key,
    similarity: extra.similarity ?? null,
    inputTokensSaved: saved.inputTokensSaved ?? 0,
    outputTokensSaved: saved.outputTokensSaved ?? 0,
  });
  record(c, { [counter]: 1, ...saved }, event);
  notify(c, call, entry.body, status);
  const headers: Record<string, string> = { "x-cache": status };
  if (extra.similarity !== undefined) headers["x-cache-similarity"] = extra.similarity.toFixed(4);
  if (status !== "COALESCED") headers.age = String(ageSeconds(entry));
  return replay(entry, framing, headers);
}
