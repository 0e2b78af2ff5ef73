import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { CacheEvent } from "../../src/cache/events";
import { CACHE_EVENTS_PER_FLUSH, queueStats } from "../../src/cache/stats";
import { createTenant } from "./helpers/gateway";

const event = (tenantId: string, i: number): CacheEvent => ({
  tenantId,
  at: Date.now() + i,
  endpoint: "/v1/chat/completions",
  model: "gpt-4o-mini",
  outcome: "hit",
  stored: false,
  stream: false,
  similarity: null,
  key: null,
  inputTokensSaved: 10,
  outputTokensSaved: 5,
  latencyMs: 1,
  shadow: null,
  preview: `question ${i}`,
});

it("writes the newest cache events of a busy flush per tenant, and counts every answer", async () => {
  const busy = await createTenant();
  const quiet = await createTenant();
  const flushes: Promise<unknown>[] = [];
  const waitUntil = (p: Promise<unknown>) => void flushes.push(p);
  const answers = CACHE_EVENTS_PER_FLUSH + 15;
  for (let i = 0; i < answers; i++)
    queueStats(env.DB, waitUntil, busy.id, { hits: 1 }, 20, event(busy.id, i));
  queueStats(env.DB, waitUntil, quiet.id, { hits: 1 }, 20, event(quiet.id, 0));
  await Promise.all(flushes);

  const { results } = await env.DB.prepare("SELECT preview FROM cache_events WHERE tenant_id = ? ORDER BY id")
    .bind(busy.id)
    .all<{ preview: string }>();
  expect(results.map((r) => r.preview)).toEqual(
    Array.from(
      { length: CACHE_EVENTS_PER_FLUSH },
      (_, k) => `question ${answers - CACHE_EVENTS_PER_FLUSH + k}`,
    ),
  );
  const quietEvents = await env.DB.prepare("SELECT COUNT(*) AS n FROM cache_events WHERE tenant_id = ?")
    .bind(quiet.id)
    .first<{ n: number }>();
  expect(quietEvents?.n).toBe(1);
  const hits = await env.DB.prepare("SELECT SUM(hits) AS n FROM cache_stats WHERE tenant_id = ?")
    .bind(busy.id)
    .first<{ n: number }>();
  expect(hits?.n).toBe(answers);
});
