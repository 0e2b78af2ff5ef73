/**
 * The accounting of every answer that passes the cache: the tenant's counters and cache-events log
 * (`record()`, queued in the isolate and flushed to D1 by `stats.ts`), the events-log entry of one
 * answer (`cacheEvent()`), and the call's observer, such as capture (`notify()`), told outside the
 * response path. Hits (`serve.ts`), misses (`miss.ts`) and the traffic series (`src/proxy/traffic.ts`)
 * all count through here.
 */
import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { type CacheEvent, type CacheOutcome, previewOf } from "./events";
import { queueStats, type StatsDelta } from "./stats";
import type { CachedCall, CacheStatus, Flow } from "./types";

/**
 * Notes that the call's answer is being handed back now: latencies recorded later (after the response,
 * `afterResponse`) are to this moment, not to when the accounting ran.
 */
export function markAnswered(call: CachedCall): void {
  call.answeredAt = performance.now();
}

/** Milliseconds from the request's arrival to its answer (`markAnswered`), else to now (a stream's end). */
function latencyOf(call: CachedCall): number {
  return Math.round(((call.answeredAt ?? performance.now()) - call.startedAt) * 100) / 100;
}

/** Tells the call's observer (capture) what was answered, outside the response path. */
export function notify(
  c: Context<AppEnv>,
  call: CachedCall,
  answer: Record<string, unknown> | null,
  status: CacheStatus,
): void {
  if (!call.onAnswer) return;
  const latencyMs = latencyOf(call);
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
    latencyMs: latencyOf(call),
    shadow: null,
    preview: c.get("principal").tenant.settings.cache?.event_previews === false ? "" : previewOf(call.body),
    ...fields,
  };
}
