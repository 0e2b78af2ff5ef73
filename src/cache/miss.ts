import { afterResponse } from "../platform/after-response";
import { GatewayError } from "../platform/errors";
import { log } from "../platform/log";
import { relayResponse } from "../upstream";
import { cacheEvent, markAnswered, notify, record } from "./accounting";
import { observeStream, type StreamOutcome } from "./observe";
import { cacheWriteExtraUsd, priceOf, usageOf } from "./prices";
import { answerText } from "./semantic";
import type { StatsDelta } from "./stats";
import { type CacheEntry, writeEntry } from "./store";
import { streamIdleMs } from "./stream-end";
import type { Flow, Miss } from "./types";

/**
 * Calls the provider and relays its answer (streams chunk by chunk). After the answer ends, the
 * assembled answer is stored (only if it was a 2xx that ended cleanly), handed to coalesced
 * waiters, added to the semantic index and counted — all outside the response path.
 */
export async function fetchAndRecord(
  flow: Flow,
  upstreamBody: Record<string, unknown>,
  miss: Miss,
): Promise<Response> {
  const { c, call, framing } = flow;
  const { status, lead } = miss;
  c.set("cacheStatus", status);
  let upstream: Response;
  try {
    upstream = await call.send(upstreamBody);
  } catch (err) {
    if (lead) c.executionCtx.waitUntil(lead.stub.abandonKey(lead.key, lead.token));
    throw err;
  }
  const after = (outcome: () => StreamOutcome) => {
    markAnswered(call);
    afterResponse(c, "the answer's accounting", () => afterAnswer(flow, miss, outcome()));
  };
  const headers = { "x-cache": status };
  if (!upstream.ok || !upstream.body) {
    after(() => null);
    return relayResponse(upstream, headers);
  }
  const isStream = (upstream.headers.get("content-type") ?? "").includes("text/event-stream");
  if (isStream) {
    const dropUsage = call.kind === "chat" && !framing.includeUsage;
    const body = observeStream(upstream.body, {
      kind: call.kind,
      dropUsageChunk: dropUsage,
      idleMs: streamIdleMs(c.env),
      // The stream's end has reached the client already: nothing to wait for.
      onEnd: (outcome) => c.executionCtx.waitUntil(afterAnswer(flow, miss, outcome)),
      onBreak: (end) =>
        log(c.env, "warn", "upstream stream ended early", { request_id: c.get("requestId"), ...end }),
    });
    return relayResponse(upstream, headers, body);
  }
  let text: string;
  try {
    text = await upstream.text();
  } catch {
    // The connection was lost inside a JSON answer: nothing was sent yet, so the client gets a 502.
    after(() => null);
    throw new GatewayError(502, "The provider's answer was cut off before its end. Retry the request.", {
      type: "server_error",
      code: "upstream_body_cut",
    });
  }
  // Parsed for the accounting after the answer is sent, not before.
  after(() => parsedAnswer(text));
  // The text itself, not a stream over it: the runtime sends a known-length body in one write.
  return relayResponse(upstream, headers, text);
}

function parsedAnswer(text: string): StreamOutcome {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * After the answer: counts it, stores it when it is a finished answer, and closes the request's
 * coalesced flight — completed with the stored entry, else abandoned. The flight is closed whatever
 * the accounting does: one left open makes every identical request until the leader's deadline
 * (UPSTREAM_TIMEOUT_MS + 5 s) wait for an answer that never comes. A failure is logged here, as the
 * end of a stream has no `afterResponse` to log it.
 */
async function afterAnswer(flow: Flow, miss: Miss, outcome: StreamOutcome): Promise<void> {
  const { c } = flow;
  const { lead } = miss;
  let handedOver = false;
  try {
    const entry = account(flow, miss, outcome);
    if (!entry) return;
    const work = keep(flow, miss, entry);
    if (lead) {
      handedOver = true;
      work.push(lead.stub.completeKey(lead.key, lead.token, entry));
    }
    await Promise.all(work);
  } catch (err) {
    log(c.env, "error", "the answer's accounting failed", {
      request_id: c.get("requestId"),
      error: String(err),
    });
  } finally {
    if (lead && !handedOver) await lead.stub.abandonKey(lead.key, lead.token);
  }
}

/** Tells the call's observer and counts the answer; the entry to keep, or null when it is not kept. */
function account(flow: Flow, miss: Miss, outcome: StreamOutcome): CacheEntry | null {
  const { c, call, policy } = flow;
  const { status, key, semantic } = miss;
  notify(c, call, outcome, status);
  const usage = outcome ? usageOf(outcome) : null;
  const prices = c.get("principal").tenant.settings.cache?.prices;
  const delta: StatsDelta = {
    [status === "MISS" ? "misses" : "bypasses"]: 1,
    upstreamCachedTokens: usage?.cachedInput ?? 0,
    upstreamCacheWriteTokens: usage?.cacheWriteInput ?? 0,
    upstreamCacheWriteExtraUsd: usage
      ? cacheWriteExtraUsd(usage, priceOf(String(call.body.model), prices))
      : 0,
    upstreamInputTokens: usage?.input ?? 0,
  };
  const outcomeName = status === "MISS" ? "miss" : "bypass";
  // A tenant without a cache has no cache events (its calls still count in the traffic series): a
  // bypass is logged only when the request turned the tenant's cache off.
  const event =
    status === "MISS" || policy.tenantCacheOn
      ? cacheEvent(flow, outcomeName, { key, inputTokensSaved: 0, outputTokensSaved: 0 })
      : undefined;
  // A request that kept itself out of the cache (`no-store`, `X-Cache-Mode: off`) leaves no prompt text.
  if (event && status === "BYPASS") event.preview = "";
  // Only a finished answer is kept: a background response comes back `queued`, and one that failed,
  // was cancelled or is incomplete must not be served again.
  const finished = call.kind !== "responses" || outcome?.status === "completed";
  if (!outcome || !key || !finished) {
    record(c, delta, event);
    return null;
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
    const same = answerText(call.kind, semantic.shadow.entry.body) === answerText(call.kind, outcome);
    delta.shadowFalseHits = same ? 0 : 1;
    if (event) event.shadow = { falseHit: !same, similarity: semantic.shadow.similarity };
  }
  if (event) event.stored = policy.write;
  record(c, delta, event);
  return entry;
}

/** Writes the entry to the exact cache (and the semantic index) when the request may write. */
function keep(flow: Flow, miss: Miss, entry: CacheEntry): Promise<unknown>[] {
  const { c, policy } = flow;
  const { key, semantic } = miss;
  const work: Promise<unknown>[] = [];
  if (!policy.write || !key) return work;
  work.push(writeEntry(c.env.CACHE, key, entry));
  if (semantic) {
    const expiresAt = entry.createdAt + entry.ttlSeconds * 1000;
    work.push(semantic.index.add(semantic.vector, semantic.question, key, expiresAt));
  }
  return work;
}
