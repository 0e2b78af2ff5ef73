import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Principal } from "../identity/principal";
import type { AppEnv } from "../platform/env";
import { cacheEvent, markAnswered, notify } from "./accounting";
import type { CachePolicy } from "./policy";
import type { AnsweredCall, CachedCall, Flow } from "./types";

const principal: Principal = {
  kind: "api_key",
  tenant: { id: "ten_accounting", name: "t", settings: {}, createdAt: 0, cacheGeneration: 0 },
  keyId: "key_accounting",
  userId: null,
  scopes: new Set(),
};

const policy: CachePolicy = {
  mode: "exact",
  read: true,
  write: true,
  onlyIfCached: false,
  maxAgeSeconds: null,
  ttlSeconds: 60,
  coalesce: false,
  tenantCacheOn: true,
};

/**
 * The latencies the events log and capture record, when their accounting runs `waitMs` after the
 * request arrived (as it does after the response), with or without `markAnswered` at the answer.
 */
async function latenciesRecorded(mark: boolean, waitMs: number) {
  const told: AnsweredCall[] = [];
  const app = new Hono<AppEnv>();
  app.post("/v1/chat/completions", async (c) => {
    c.set("principal", principal);
    const call: CachedCall = {
      kind: "chat",
      body: { model: "gpt-4o-mini", messages: [] },
      endUser: null,
      send: () => Promise.reject(new Error("not called")),
      onAnswer: async (answered) => {
        told.push(answered);
      },
      startedAt: performance.now(),
    };
    if (mark) markAnswered(call);
    // workerd's clock moves only across I/O: a timer stands for the time until the accounting runs.
    await scheduler.wait(waitMs);
    const flow: Flow = { c, call, framing: { stream: false, includeUsage: false }, policy };
    const event = cacheEvent(flow, "hit", { inputTokensSaved: 0, outputTokensSaved: 0 });
    notify(c, call, {}, "HIT");
    return c.json({ event: event.latencyMs });
  });
  const ctx = { waitUntil: (p: Promise<unknown>) => void p, passThroughOnException: () => {}, props: {} };
  const res = await app.fetch(
    new Request("https://x.test/v1/chat/completions", { method: "POST" }),
    env,
    ctx,
  );
  const { event } = (await res.json()) as { event: number };
  return { event, capture: told[0]?.latencyMs };
}

describe("cache accounting's latency", () => {
  it("is the time to the answer (markAnswered), not to the accounting run after the response", async () => {
    const { event, capture } = await latenciesRecorded(true, 60);
    expect(event).toBeLessThan(60);
    expect(capture).toBe(event);
  });

  it("without markAnswered (a stream, accounted at its end) is the time to now", async () => {
    const { event, capture } = await latenciesRecorded(false, 60);
    expect(event).toBeGreaterThanOrEqual(55);
    expect(capture).toBe(event);
  });
});
