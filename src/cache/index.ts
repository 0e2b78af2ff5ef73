import type { Context } from "hono";
import type { JoinResult } from "../../durable-objects/coalescer";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { log } from "../platform/log";
import { type CacheScope, canonicalRequest, exactKey } from "./key";
import { fetchAndRecord } from "./miss";
import { cachePolicy } from "./policy";
import { derivePromptCacheKey } from "./prefix";
import type { Framing } from "./replay";
import { DEFAULT_THRESHOLD, embedQuestion, partitionName, splitQuestion } from "./semantic";
import { DEFAULT_EMBEDDING_MODEL } from "./semantic-defaults";
import { serveEntry } from "./serve";
import { readEntry } from "./store";
import type { CachedCall, Flow, Lead, SemanticState } from "./types";
import { refuseSemanticHit } from "./verify";

export type { AnsweredCall, CachedCall, CacheStatus, SendUpstream } from "./types";

/** How long a follower waits for a leader: the upstream timeout plus a margin. */
const leaderDeadlineMs = (c: Context<AppEnv>) => (Number(c.env.UPSTREAM_TIMEOUT_MS) || 60_000) + 5_000;

function framingOf(body: Record<string, unknown>): Framing {
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  return { stream: body.stream === true, includeUsage: options?.include_usage === true };
}

/**
 * The prompt cache in front of the provider: exact and semantic lookups, request coalescing across
 * isolates, streaming-aware recording, provider prefix-cache keys and stats.
 * @see docs/caching.md for the request and response headers.
 */
export async function serveWithCache(c: Context<AppEnv>, call: CachedCall): Promise<Response> {
  const principal = c.get("principal");
  const settings = principal.tenant.settings.cache ?? {};
  const policy = cachePolicy(principal, call.kind, (name) => c.req.header(name));
  const framing = framingOf(call.body);
  const flow: Flow = { c, call, framing, policy };
  if (policy.mode === "off") {
    if (policy.onlyIfCached) throw notCached("the cache is off for this request");
    const upstreamBody = await prepareUpstreamBody(c, call, framing);
    return fetchAndRecord(flow, upstreamBody, { status: "BYPASS", key: null, lead: null, semantic: null });
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
    if (entry) return serveEntry(flow, entry, "HIT", { key });
  }
  let semantic: SemanticState | null = null;
  if (policy.mode === "semantic") {
    // The semantic layer is an optimisation: if embeddings or the index fail, this is a plain miss.
    const found = await semanticLookup(flow, scope, canonical).catch((err: unknown) => {
      log(c.env, "warn", "semantic cache unavailable", {
        request_id: c.get("requestId"),
        error: String(err),
      });
      return null;
    });
    if (found?.hit) return found.hit;
    semantic = found?.state ?? null;
  }
  if (policy.onlyIfCached) throw notCached("no cached answer matches");
  let lead: Lead = null;
  if (policy.coalesce && policy.write) {
    const stub = coalescerOf(c, key);
    // Coalescing is an optimisation too: a failed join means calling the provider alone.
    const joined = await (stub.joinKey(key, leaderDeadlineMs(c)) as Promise<JoinResult>).catch(
      (): JoinResult => ({ role: "retry" }),
    );
    if (joined.role === "follower") return serveEntry(flow, joined.entry, "COALESCED", { key });
    if (joined.role === "leader") lead = { stub, key, token: joined.token };
  }
  const upstreamBody = await prepareUpstreamBody(c, call, framing);
  return fetchAndRecord(flow, upstreamBody, { status: "MISS", key, lead, semantic });
}

/** Coalescer objects per continent. */
export const COALESCER_SHARDS = 64;

/**
 * The name of the coalescer that holds `key`'s flights for callers on `continent`. A Durable Object
 * lives near whoever first asked for it, and every miss waits for its join: one set per continent
 * keeps that call nearby instead of a trip to another continent (identical misses on two continents
 * at once call the provider once each). Sharded rather than one object per key, so that a miss joins
 * an object already running instead of creating one; 64 of them, because an object takes about
 * 1,000 requests a second and a miss makes two (join, then complete): 32,000 misses a second per
 * continent, while fewer objects stay warm between a quiet tenant's misses. A key's shard is its
 * first byte (keys are SHA-256 hex, spread evenly).
 */
export function coalescerName(continent: string | undefined, key: string): string {
  const firstByte = Number.parseInt(key.slice(0, 2), 16);
  const shard = Number.isNaN(firstByte) ? 0 : firstByte % COALESCER_SHARDS;
  return `shard:${continent ?? "any"}:${shard}`;
}

function coalescerOf(c: Context<AppEnv>, key: string) {
  const continent = (c.req.raw.cf as { continent?: unknown } | undefined)?.continent;
  return c.env.COALESCER.getByName(coalescerName(typeof continent === "string" ? continent : undefined, key));
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
  flow: Flow,
  scope: CacheScope,
  canonical: Record<string, unknown>,
): Promise<{ hit?: Response; state: SemanticState } | null> {
  const { c, call, policy } = flow;
  const kind = call.kind;
  const split = splitQuestion(kind, canonical);
  if (!split) return null;
  const tenantSettings = c.get("principal").tenant.settings;
  const settings = tenantSettings.cache ?? {};
  // The embedding model is a model call like any other: outside the tenant's allow-list (the operator
  // may narrow it after the cache setting was saved) semantic lookups are off, exact caching stays.
  const allowed = tenantSettings.allowed_models;
  if (allowed && !allowed.includes(settings.semantic?.embedding_model ?? DEFAULT_EMBEDDING_MODEL))
    return null;
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
  if (settings.semantic?.shadow) {
    return { state: { ...state, shadow: { entry, similarity: match.similarity } } };
  }
  return {
    hit: serveEntry(flow, entry, "SEMANTIC_HIT", { key: match.cacheKey, similarity: match.similarity }),
    state,
  };
}
