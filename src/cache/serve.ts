/**
 * Answers a request from a stored (or coalesced) cache entry, in the request's framing (JSON or SSE),
 * with `x-cache`, `age` and the similarity of a semantic hit, and counts what the hit saved (after
 * the answer is sent).
 */
import type { Context } from "hono";
import { afterResponse } from "../platform/after-response";
import type { AppEnv } from "../platform/env";
import { cacheEvent, markAnswered, notify, record } from "./accounting";
import { costUsd, priceOf, usageOf } from "./prices";
import { replay } from "./replay";
import type { StatsDelta } from "./stats";
import { ageSeconds, type CacheEntry } from "./store";
import type { Flow } from "./types";

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
  markAnswered(call);
  afterResponse(c, "the cache hit's accounting", () => {
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
  });
  const headers: Record<string, string> = { "x-cache": status };
  if (extra.similarity !== undefined) headers["x-cache-similarity"] = extra.similarity.toFixed(4);
  if (status !== "COALESCED") headers.age = String(ageSeconds(entry));
  return replay(entry, framing, headers);
}
