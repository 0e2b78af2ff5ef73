import type { Context } from "hono";
import type { JoinResult } from "../../durable-objects/coalescer";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { relayResponse } from "../upstream";
import { type CacheKind, type CacheScope, canonicalRequest, exactKey } from "./key";
import { observeStream, type StreamOutcome } from "./observe";
import { type CachePolicy, cachePolicy } from "./policy";
import { derivePromptCacheKey } from "./prefix";
import { costUsd, priceOf, usageOf } from "./prices";
import { type Framing, replay } from "./replay";
import { answerText, DEFAULT_THRESHOLD, embedQuestion, partitionName, splitQuestion } from "./semantic";
import { queueStats, type StatsDelta } from "./stats";
import { ageSeconds, type CacheEntry, readEntry, writeEntry } from "./store";
import { refuseSemanticHit } from "./verify";

export type CacheStatus = "HIT" | "SEMANTIC_HIT" | "MISS" | "BYPASS" | "COALESCED";

/** Sends the (possibly rewritten) request body to the provider; supplied by the proxy. */
export type SendUpstream = (body: Record<string, unknown>) => Promise<Response>;

/** What the gateway answered, for observers such as traffic capture (src/datasets). */
export interface AnsweredCall {
  kind: CacheKind;
  /** The request as the client sent it. */
  request: Record<string, unknown>;
  /** The provider's final object (assembled for streams); null for errors and cut streams. */
  answer: Record<string, unknown> | null;
  status: CacheStatus;
  endUser: string | null;
  latencyMs: number;
}

export interface CachedCall {
  kind: CacheKind;
  body: Record<string, unknown>;
  endUser: string | null;
  send: SendUpstream;
  /** Called once the answer is known (after the response for misses), outside the response path. */
  onAnswer?: (answered: AnsweredCall) => Promise<void>;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
}

/** Semantic state of a request: its partition's index, its question and vector, and any shadow hit. */
interface SemanticState {
  index: DurableObjectStub<import("../../durable-objects/semantic-index").SemanticIndex>;
  question: string;
  vector: Float32Array;
  shadow: CacheEntry | null;
}

/** How long a follower waits for a leader: the upstream timeout plus a margin. */
const leaderDeadlineMs = (c: Context<AppEnv>) => (Number(c.env.UPSTREAM_TIMEOUT_MS) || 60_000) + 5_000;

function framingOf(body: Record<string, unknown>): Framing {
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  return { stream: body.stream === true, includeUsage: options?.include_usage === true };
}

function notify(
  c: Context<AppEnv>,
  call: CachedCall,
  answer: Record<string, unknown> | null,
  status: CacheStatus,
) {
  if (!call.onAnswer) return;
  const latencyMs = Math.round((performance.now() - call.startedAt) * 100) / 100;
  const answered = { kind: call.kind, request: call.body, answer, status, endUser: call.endUser, latencyMs };
  c.executionCtx.waitUntil(call.onAnswer(answered));
}

function record(c: Context<AppEnv>, delta: StatsDelta): void {
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

function serveEntry(
  c: Context<AppEnv>,
  call: CachedCall,
  entry: CacheEntry,
  status: "HIT" | "SEMANTIC_HIT" | "COALESCED",
  framing: Framing,
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

/**
 * The prompt cache in front of the provider: exact and semantic lookups, request coalescing across
 * isolates, streaming-aware recording, provider prefix-cache keys and stats.
 * @see README.md ("Prompt caching") for the request and response headers.
 */
export async function serveWithCache(c: Context<AppEnv>, call: CachedCall): Promise<Response> {
  const principal = c.get("principal");
  const settings = principal.tenant.settings.cache ?? {};
  const policy = cachePolicy(principal, call.kind, (name) => c.req.header(name));
  const framing = framingOf(call.body);
  if (policy.mode === "off") {
    if (policy.onlyIfCached) throw notCached("the cache is off for this request");
    const upstreamBody = await prepareUpstreamBody(c, call, framing);
    return fetchAndRecord(c, call, upstreamBody, framing, policy, "BYPASS", null, null, null);
  }
  const scope: CacheScope = {
    tenantId: principal.tenant.id,
    generation: principal.tenant.cacheGeneration,
    userId: settings.share_across_users ? null : call.endUser,
  };
  const canonical = canonicalRequest(call.kind, call.body);
  const key = await exactKey(call.kind, scope, canonical);
  if (policy.read) {
    const entry = await readEntry(c.env.CACHE, key, policy.maxAgeSeconds);
    if (entry) return serveEntry(c, call, entry, "HIT", framing);
  }
  let semantic: SemanticState | null = null;
  if (policy.mode === "semantic") {
    const found = await semanticLookup(c, call, framing, scope, canonical, policy);
    if (found?.hit) return found.hit;
    semantic = found?.state ?? null;
  }
  if (policy.onlyIfCached) throw notCached("no cached answer matches");
  let lead: Lead = null;
  if (policy.coalesce && policy.write) {
    const stub = c.env.COALESCER.getByName(key);
    const joined = (await stub.join(leaderDeadlineMs(c))) as JoinResult;
    if (joined.role === "follower") return serveEntry(c, call, joined.entry, "COALESCED", framing);
    if (joined.role === "leader") lead = { stub, token: joined.token };
  }
  const upstreamBody = await prepareUpstreamBody(c, call, framing);
  return fetchAndRecord(c, call, upstreamBody, framing, policy, "MISS", key, lead, semantic);
}

function notCached(why: string): GatewayError {
  return new GatewayError(504, `Cache-Control: only-if-cached was set and ${why}.`, {
    type: "invalid_request_error",
    code: "cache_miss",
  });
}

/** Adds a derived `prompt_cache_key`, and asks for the usage chunk on streams so every answer has usage. */
async function prepareUpstreamBody(c: Context<AppEnv>, call: CachedCall, framing: Framing) {
  const body: Record<string, unknown> = { ...call.body };
  // `store: true` asks Edgegate to capture (src/datasets); the provider keeps a copy only if the tenant says so.
  if (body.store === true && c.get("principal").tenant.settings.distillation?.forward_store !== true)
    delete body.store;
  const settings = c.get("principal").tenant.settings.cache;
  if (body.prompt_cache_key === undefined && settings?.prompt_cache_key !== false) {
    const derived = await derivePromptCacheKey(call.kind, c.get("principal").tenant.id, body);
    if (derived) body.prompt_cache_key = derived;
  }
  if (call.kind === "chat" && framing.stream && !framing.includeUsage) {
    body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
  }
  return body;
}

async function semanticLookup(
  c: Context<AppEnv>,
  call: CachedCall,
  framing: Framing,
  scope: CacheScope,
  canonical: Record<string, unknown>,
  policy: CachePolicy,
): Promise<{ hit?: Response; state: SemanticState } | null> {
  const kind = call.kind;
  const split = splitQuestion(kind, canonical);
  if (!split) return null;
  const settings = c.get("principal").tenant.settings.cache ?? {};
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const vector = await embedQuestion(c.env, settings, split.question, c.get("requestId"), waitUntil);
  if (!vector) return null;
  const index = c.env.SEMANTIC_INDEX.getByName(await partitionName(kind, scope, split.partition));
  const state: SemanticState = { index, question: split.question, vector, shadow: null };
  if (!policy.read) return { state };
  const match = await index.search(vector, settings.semantic?.threshold ?? DEFAULT_THRESHOLD);
  if (!match || refuseSemanticHit(split.question, match.question)) return { state };
  const entry = await readEntry(c.env.CACHE, match.cacheKey, policy.maxAgeSeconds);
  if (!entry) return { state };
  if (settings.semantic?.shadow) return { state: { ...state, shadow: entry } };
  const similarity = { "x-cache-similarity": match.similarity.toFixed(4) };
  return {
    hit: serveEntry(c, call, entry, "SEMANTIC_HIT", framing, similarity),
    state,
  };
}

type Lead = {
  stub: DurableObjectStub<import("../../durable-objects/coalescer").Coalescer>;
  token: string;
} | null;

/**
 * Calls the provider and relays its answer (streams chunk by chunk). After the answer ends, the
 * assembled answer is stored (only if it was a 2xx that ended cleanly), handed to coalesced
 * waiters, added to the semantic index and counted — all outside the response path.
 */
async function fetchAndRecord(
  c: Context<AppEnv>,
  call: CachedCall,
  upstreamBody: Record<string, unknown>,
  framing: Framing,
  policy: CachePolicy,
  status: "MISS" | "BYPASS",
  key: string | null,
  lead: Lead,
  semantic: SemanticState | null,
): Promise<Response> {
  c.set("cacheStatus", status);
  let upstream: Response;
  try {
    upstream = await call.send(upstreamBody);
  } catch (err) {
    if (lead) c.executionCtx.waitUntil(lead.stub.abandon(lead.token));
    throw err;
  }
  const after = (outcome: StreamOutcome) =>
    c.executionCtx.waitUntil(afterAnswer(c, call, policy, status, key, lead, semantic, outcome));
  const headers = { "x-cache": status };
  if (!upstream.ok || !upstream.body) {
    after(null);
    return relayResponse(upstream, headers);
  }
  const isStream = (upstream.headers.get("content-type") ?? "").includes("text/event-stream");
  if (isStream) {
    const dropUsage = call.kind === "chat" && !framing.includeUsage;
    const body = observeStream(upstream.body, call.kind, dropUsage, after);
    return relayResponse(new Response(body, upstream), headers);
  }
  const text = await upstream.text();
  let parsed: Record<string, unknown> | null = null;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = null;
  }
  after(parsed);
  return relayResponse(new Response(text, upstream), headers);
}

async function afterAnswer(
  c: Context<AppEnv>,
  call: CachedCall,
  policy: CachePolicy,
  status: "MISS" | "BYPASS",
  key: string | null,
  lead: Lead,
  semantic: SemanticState | null,
  outcome: StreamOutcome,
): Promise<void> {
  notify(c, call, outcome, status);
  const usage = outcome ? usageOf(outcome) : null;
  const delta: StatsDelta = {
    [status === "MISS" ? "misses" : "bypasses"]: 1,
    upstreamCachedTokens: usage?.cachedInput ?? 0,
    upstreamInputTokens: usage?.input ?? 0,
  };
  if (!outcome || !key) {
    if (lead) await lead.stub.abandon(lead.token);
    record(c, delta);
    return;
  }
  const entry: CacheEntry = {
    v: 1,
    kind: call.kind,
    createdAt: Date.now(),
    ttlSeconds: policy.ttlSeconds,
    model: typeof outcome.model === "string" ? outcome.model : String(call.body.model),
    body: outcome,
    ...(semantic ? { question: semantic.question } : {}),
  };
  if (semantic?.shadow) {
    delta.shadowChecks = 1;
    const same = answerText(call.kind, semantic.shadow.body) === answerText(call.kind, outcome);
    delta.shadowFalseHits = same ? 0 : 1;
  }
  record(c, delta);
  const work: Promise<unknown>[] = [];
  if (policy.write) {
    work.push(writeEntry(c.env.CACHE, key, entry));
    if (semantic) {
      const expiresAt = entry.createdAt + entry.ttlSeconds * 1000;
      work.push(semantic.index.add(semantic.vector, semantic.question, key, expiresAt));
    }
  }
  if (lead) work.push(lead.stub.complete(lead.token, entry));
  await Promise.all(work);
}
