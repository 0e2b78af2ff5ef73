import { log } from "../platform/log";
import { CACHE_EVENTS_KEPT, type CacheEvent, eventStatements } from "./events";

/** What one response adds to a tenant's counters. */
export interface StatsDelta {
  /** Model calls (`/v1` chat, responses, embeddings) answered, whatever their status. */
  requests?: number;
  /** Model calls answered with status >= 400. */
  errors?: number;
  hits?: number;
  semanticHits?: number;
  coalesced?: number;
  misses?: number;
  bypasses?: number;
  inputTokensSaved?: number;
  outputTokensSaved?: number;
  costSavedUsd?: number;
  upstreamCachedTokens?: number;
  /** Prompt tokens the provider wrote to its prefix cache (`cache_write_tokens`). */
  upstreamCacheWriteTokens?: number;
  /** What those writes cost above the plain input price, USD. */
  upstreamCacheWriteExtraUsd?: number;
  upstreamInputTokens?: number;
  shadowChecks?: number;
  shadowFalseHits?: number;
}

/** The counters, as `StatsDelta` field and column of `cache_stats` (per day) and `traffic_minutes`. */
export const COLUMNS = [
  ["requests", "requests"],
  ["errors", "errors"],
  ["hits", "hits"],
  ["semanticHits", "semantic_hits"],
  ["coalesced", "coalesced"],
  ["misses", "misses"],
  ["bypasses", "bypasses"],
  ["inputTokensSaved", "input_tokens_saved"],
  ["outputTokensSaved", "output_tokens_saved"],
  ["costSavedUsd", "cost_saved_usd"],
  ["upstreamCachedTokens", "upstream_cached_tokens"],
  ["upstreamCacheWriteTokens", "upstream_cache_write_tokens"],
  ["upstreamCacheWriteExtraUsd", "upstream_cache_write_extra_usd"],
  ["upstreamInputTokens", "upstream_input_tokens"],
  ["shadowChecks", "shadow_checks"],
  ["shadowFalseHits", "shadow_false_hits"],
] as const satisfies readonly (readonly [keyof StatsDelta, string])[];

export type StatsTotals = Record<(typeof COLUMNS)[number][1], number>;

const upsert = (table: string, period: string) =>
  `INSERT INTO ${table} (tenant_id, ${period}, ${COLUMNS.map(([, c]) => c).join(", ")})
  VALUES (?, ?, ${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (tenant_id, ${period}) DO UPDATE SET ${COLUMNS.map(([, c]) => `${c} = ${c} + excluded.${c}`).join(", ")}`;
const UPSERT_DAY = upsert("cache_stats", "day");
const UPSERT_MINUTE = upsert("traffic_minutes", "minute");

/** Totals over all days, optionally from a day (`YYYY-MM-DD`) on. */
export async function readStats(db: D1Database, tenantId: string, since?: string): Promise<StatsTotals> {
  const sums = COLUMNS.map(([, c]) => `COALESCE(SUM(${c}), 0) AS ${c}`).join(", ");
  const row = await db
    .prepare(`SELECT ${sums} FROM cache_stats WHERE tenant_id = ? AND day >= ?`)
    .bind(tenantId, since ?? "0000-00-00")
    .first<StatsTotals>();
  return row ?? (Object.fromEntries(COLUMNS.map(([, c]) => [c, 0])) as StatsTotals);
}

/** A batch failing this many times in a row is dropped (logged), so one bad row never blocks the rest. */
const MAX_ATTEMPTS = 3;
/** Events waiting in an isolate beyond this are dropped: the log is a recent-history view, not an audit. */
const MAX_PENDING_EVENTS = 2 * CACHE_EVENTS_KEPT;

/**
 * Cache events one flush writes per tenant: the newest, the rest only counted. The log is the
 * console's view of the latest answers, not a record of every one (the counters are); one row per
 * answer was 2.6 D1 rows written per cache hit (insert, its index, the trim), measured by
 * `npm run bench -- capture` — at 1,000 hits a second, $230 a day of D1 writes for a list of 1,000.
 */
export const CACHE_EVENTS_PER_FLUSH = 20;

/** The newest `perTenant` events of each tenant, in their order. */
function newestPerTenant<T extends { event: CacheEvent }>(events: readonly T[], perTenant: number): T[] {
  const seen = new Map<string, number>();
  const kept: T[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as T;
    const n = seen.get(e.event.tenantId) ?? 0;
    if (n >= perTenant) continue;
    seen.set(e.event.tenantId, n + 1);
    kept.push(e);
  }
  return kept.reverse();
}

interface PendingCounters {
  tenantId: string;
  /** Unix seconds of the UTC minute the deltas were counted in. */
  minute: number;
  /** The summed deltas, in the order of `COLUMNS`. */
  values: number[];
  attempts: number;
}

/** Each `StatsDelta` field's place in `COLUMNS` (and in `PendingCounters.values`). */
const COLUMN_INDEX = new Map<string, number>(COLUMNS.map(([k], i) => [k, i]));

const pending = new Map<string, PendingCounters>();
let pendingEvents: { event: CacheEvent; attempts: number }[] = [];
let flushScheduled = false;

/**
 * The counters of a tenant's minute, created on first use. Every answer adds to them: summing into
 * an array visits only the fields a delta has, where an object of sixteen optional fields made every
 * answer read and write all sixteen by name.
 */
function countersOf(tenantId: string, minute: number, attempts: number): PendingCounters {
  const key = `${tenantId}\n${minute}`;
  let current = pending.get(key);
  if (!current) {
    current = { tenantId, minute, values: COLUMNS.map(() => 0), attempts };
    pending.set(key, current);
  }
  current.attempts = Math.max(current.attempts, attempts);
  return current;
}

function addCounters(tenantId: string, minute: number, delta: StatsDelta): void {
  const { values } = countersOf(tenantId, minute, 0);
  for (const k in delta) {
    const i = COLUMN_INDEX.get(k);
    const v = delta[k as keyof StatsDelta];
    if (i !== undefined && v !== undefined) values[i] = (values[i] ?? 0) + v;
  }
}

/** Counters a failed flush gives back, summed with whatever was counted meanwhile. */
function requeue(p: PendingCounters): void {
  const { values } = countersOf(p.tenantId, p.minute, p.attempts + 1);
  p.values.forEach((v, i) => {
    values[i] = (values[i] ?? 0) + v;
  });
}

function counterStatements(db: D1Database, p: PendingCounters): D1PreparedStatement[] {
  const { values } = p;
  const day = new Date(p.minute * 1000).toISOString().slice(0, 10);
  return [
    db.prepare(UPSERT_DAY).bind(p.tenantId, day, ...values),
    db.prepare(UPSERT_MINUTE).bind(p.tenantId, p.minute, ...values),
  ];
}

/** Statements per D1 batch: a flush is split so one bad or oversized batch cannot sink the others. */
const STATEMENTS_PER_BATCH = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function flush(db: D1Database): Promise<void> {
  flushScheduled = false;
  const counters = [...pending.values()];
  const events = newestPerTenant(pendingEvents, CACHE_EVENTS_PER_FLUSH);
  pending.clear();
  pendingEvents = [];
  const dropped = { counters: 0, events: 0 };
  let lastError: unknown = null;
  // Counters first (two statements each), then events (an insert each, plus a trim per tenant).
  for (const part of chunks(counters, STATEMENTS_PER_BATCH / 2)) {
    try {
      await db.batch(part.flatMap((p) => counterStatements(db, p)));
    } catch (err) {
      lastError = err;
      for (const p of part) {
        if (p.attempts + 1 < MAX_ATTEMPTS) requeue(p);
        else dropped.counters++;
      }
    }
  }
  for (const part of chunks(events, STATEMENTS_PER_BATCH - 10)) {
    try {
      await db.batch(
        eventStatements(
          db,
          part.map((e) => e.event),
        ),
      );
    } catch (err) {
      lastError = err;
      for (const e of part) {
        if (e.attempts + 1 < MAX_ATTEMPTS) pendingEvents.push({ ...e, attempts: e.attempts + 1 });
        else dropped.events++;
      }
    }
  }
  if (dropped.counters + dropped.events > 0) {
    log({}, "error", "cache stats dropped", { ...dropped, error: String(lastError) });
  }
  // What failed waits in `pending` for the flush that the next request schedules.
}

function schedule(db: D1Database, waitUntil: (p: Promise<unknown>) => void, flushAfterMs: number): void {
  if (flushScheduled) return;
  flushScheduled = true;
  waitUntil(new Promise((resolve) => setTimeout(resolve, flushAfterMs)).then(() => flush(db)));
}

/**
 * Adds to a tenant's counters without a D1 write per request: deltas are summed in the isolate per
 * UTC minute and written together `flushAfterMs` later (one batch for every tenant seen meanwhile),
 * to the daily totals and to the per-minute series.
 */
export function queueStats(
  db: D1Database,
  waitUntil: (p: Promise<unknown>) => void,
  tenantId: string,
  delta: StatsDelta,
  flushAfterMs: number,
  event?: CacheEvent,
): void {
  addCounters(tenantId, Math.floor(Date.now() / 60_000) * 60, delta);
  if (event && pendingEvents.length < MAX_PENDING_EVENTS) pendingEvents.push({ event, attempts: 0 });
  schedule(db, waitUntil, flushAfterMs);
}
