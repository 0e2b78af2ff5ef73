import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
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

/** Adds to the tenant's cache counters (summed in the isolate, flushed to D1 later). */
export function record(c: Context<AppEnv>, delta: StatsDelta): void {
  const flushAfterMs = Number(c.env.STATS_FLUSH_MS ?? 1_000);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  queueStats(c.env.DB, waitUntil, c.get("principal").tenant.id, delta, flushAfterMs);
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
  { c, call, framing }: Flow,
  entry: CacheEntry,
  status: "HIT" | "SEMANTIC_HIT" | "COALESCED",
  extra: Record<string, string> = {},
): Response {
  c.set("cacheStatus", status);
  const counter = status === "HIT" ? "hits" : status === "SEMANTIC_HIT" ? "semanticHits" : "coalesced";
  record(c, { [counter]: 1, ...savedBy(c, entry) });
  notify(c, call, entry.body, status);
  const headers: Record<string, string> = { "x-cache": status, ...extra };
  if (status !== "COALESCED") headers.age = String(ageSeconds(entry));
  return replay(entry, framing, headers);
}
