/**
 * The cache events log: one row per answer that went through the prompt cache, for the console's
 * cache page. Rows are queued with the stats (src/cache/stats.ts) and written in its batch; the
 * newest `CACHE_EVENTS_KEPT` per tenant are kept.
 */

import { asObject } from "../platform/json";
import { CACHE_EVENTS_KEPT } from "./limits";

export { CACHE_EVENTS_KEPT } from "./limits";

const ID_PREFIX = "cev_";

export type CacheOutcome = "hit" | "semantic_hit" | "coalesced" | "miss" | "bypass";

/** One event as queued by the cache. */
export interface CacheEvent {
  tenantId: string;
  /** Unix milliseconds. */
  at: number;
  endpoint: string;
  model: string;
  outcome: CacheOutcome;
  stored: boolean;
  stream: boolean;
  similarity: number | null;
  /** The exact cache key (only its first 16 hex digits are kept). */
  key: string | null;
  inputTokensSaved: number;
  outputTokensSaved: number;
  latencyMs: number;
  shadow: { falseHit: boolean; similarity: number } | null;
  preview: string;
}

interface EventRow {
  id: number;
  at: number;
  endpoint: string;
  model: string;
  outcome: CacheOutcome;
  stored: number;
  stream: number;
  similarity: number | null;
  cache_key: string | null;
  input_tokens_saved: number;
  output_tokens_saved: number;
  latency_ms: number;
  shadow_false_hit: number | null;
  shadow_similarity: number | null;
  preview: string;
}

const INSERT = `INSERT INTO cache_events (tenant_id, at, endpoint, model, outcome, stored, stream, similarity,
  cache_key, input_tokens_saved, output_tokens_saved, latency_ms, shadow_false_hit, shadow_similarity, preview)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Removes a tenant's events older than its newest `CACHE_EVENTS_KEPT`. */
const TRIM = `DELETE FROM cache_events WHERE tenant_id = ?1 AND id <= (
  SELECT id FROM cache_events WHERE tenant_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ${CACHE_EVENTS_KEPT})`;

/**
 * Longest text kept per field. Every field of a row is bounded, so no row can be too big for the
 * database: events are written in batches with other tenants' events, and a batch fails whole.
 */
const FIELD_MAX_CHARS = 256;
const bounded = (text: string) => (text.length > FIELD_MAX_CHARS ? text.slice(0, FIELD_MAX_CHARS) : text);

/** The statements that store `events` and trim the log of every tenant they belong to. */
export function eventStatements(db: D1Database, events: readonly CacheEvent[]): D1PreparedStatement[] {
  const inserts = events.map((e) =>
    db.prepare(INSERT).bind(
      e.tenantId,
      e.at,
      bounded(e.endpoint),
      // The request's model as sent: a client may send megabytes of it (the provider answers 404).
      bounded(e.model),
      e.outcome,
      e.stored ? 1 : 0,
      e.stream ? 1 : 0,
      e.similarity,
      e.key?.slice(0, 16) ?? null,
      e.inputTokensSaved,
      e.outputTokensSaved,
      e.latencyMs,
      e.shadow ? (e.shadow.falseHit ? 1 : 0) : null,
      e.shadow?.similarity ?? null,
      bounded(e.preview),
    ),
  );
  const tenants = new Set(events.map((e) => e.tenantId));
  return [...inserts, ...[...tenants].map((t) => db.prepare(TRIM).bind(t))];
}

/** `cev_42` → 42; null for anything else. */
export function parseEventId(id: string): number | null {
  if (!id.startsWith(ID_PREFIX)) return null;
  const n = Number(id.slice(ID_PREFIX.length));
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

function eventJson(row: EventRow) {
  return {
    object: "cache.event" as const,
    id: `${ID_PREFIX}${row.id}`,
    at: row.at,
    endpoint: row.endpoint,
    model: row.model,
    outcome: row.outcome,
    stored: row.stored === 1,
    stream: row.stream === 1,
    similarity: row.similarity,
    key: row.cache_key,
    input_tokens_saved: row.input_tokens_saved,
    output_tokens_saved: row.output_tokens_saved,
    latency_ms: row.latency_ms,
    shadow:
      row.shadow_false_hit === null
        ? null
        : { false_hit: row.shadow_false_hit === 1, similarity: row.shadow_similarity ?? 0 },
    preview: row.preview,
  };
}

export type CacheEventJson = ReturnType<typeof eventJson>;

/** A page of a tenant's events, newest first, optionally older than the event `beforeId`. */
export async function listCacheEvents(
  db: D1Database,
  tenantId: string,
  limit: number,
  beforeId: number | null,
): Promise<{ data: CacheEventJson[]; hasMore: boolean }> {
  const { results } = await db
    .prepare(
      `SELECT id, at, endpoint, model, outcome, stored, stream, similarity, cache_key, input_tokens_saved,
        output_tokens_saved, latency_ms, shadow_false_hit, shadow_similarity, preview
       FROM cache_events WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    )
    .bind(tenantId, beforeId ?? Number.MAX_SAFE_INTEGER, limit + 1)
    .all<EventRow>();
  return { data: results.slice(0, limit).map(eventJson), hasMore: results.length > limit };
}

const PREVIEW_CHARS = 120;

/**
 * A message's text: a string, or its text parts joined (an image as `[image]`, anything else skipped:
 * the request schemas are loose, src/proxy/schemas.ts, so a part may be any JSON value).
 */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content) {
    const p = asObject(part);
    if (!p) continue;
    const text = typeof p.text === "string" ? p.text : p.type === "image_url" ? "[image]" : "";
    if (text) texts.push(text);
  }
  return texts.join(" ");
}

/**
 * The last user message of a chat, responses or embeddings request, cut to 120 characters. Any JSON
 * is read without throwing: it runs in the accounting of answers the provider refused as malformed.
 */
export function previewOf(body: Record<string, unknown>): string {
  const list = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : null;
  let text = "";
  if (list) {
    const last = asObject(list.findLast((m) => asObject(m)?.role === "user"));
    text = last ? textOf(last.content) : typeof list[0] === "string" ? list[0] : "";
  } else if (typeof body.input === "string") text = body.input;
  return preview(text);
}

/**
 * `text` with each run of white space as one space, trimmed, cut to `PREVIEW_CHARS` (the last one an
 * ellipsis when cut). Every answer of a tenant with the cache on is previewed: only as much of a long
 * message is read as the preview needs, a window of four times its length and larger ones only
 * while white space leaves too few characters.
 */
export function preview(text: string): string {
  for (let window = PREVIEW_CHARS * 4; ; window *= 4) {
    const whole = window >= text.length;
    const flat = (whole ? text : text.slice(0, window)).replace(/\s+/g, " ").trim();
    // Past the preview's length, the window's first characters are the whole text's.
    if (flat.length > PREVIEW_CHARS) return `${flat.slice(0, PREVIEW_CHARS - 1)}…`;
    if (whole) return flat;
  }
}
