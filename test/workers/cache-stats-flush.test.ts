import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { queueStats, readStats } from "../../src/cache/stats";
import { createTenant } from "./helpers/gateway";

/** Runs `queueStats` and waits for the flush it schedules. */
async function queueAndFlush(db: D1Database, ...args: [string, Parameters<typeof queueStats>[3]][]) {
  const flushes: Promise<unknown>[] = [];
  for (const [tenantId, delta] of args) queueStats(db, (p) => void flushes.push(p), tenantId, delta, 5);
  await Promise.all(flushes);
}

it("sums every field of the answers' deltas per tenant, fractions included", async () => {
  const a = await createTenant();
  const b = await createTenant();
  await queueAndFlush(
    env.DB,
    [a.id, { requests: 1, hits: 1, inputTokensSaved: 12, outputTokensSaved: 7, costSavedUsd: 0.000125 }],
    [a.id, { requests: 1, misses: 1, upstreamInputTokens: 40, upstreamCachedTokens: 32 }],
    [b.id, { requests: 1, errors: 1, bypasses: 1 }],
    [a.id, { requests: 1, hits: 1, inputTokensSaved: 3, outputTokensSaved: 1, costSavedUsd: 0.0000625 }],
  );
  const totals = await readStats(env.DB, a.id);
  expect(totals).toMatchObject({
    requests: 3,
    hits: 2,
    misses: 1,
    errors: 0,
    input_tokens_saved: 15,
    output_tokens_saved: 8,
    upstream_input_tokens: 40,
    upstream_cached_tokens: 32,
  });
  expect(totals.cost_saved_usd).toBeCloseTo(0.0001875, 10);
  expect(await readStats(env.DB, b.id)).toMatchObject({ requests: 1, errors: 1, bypasses: 1, hits: 0 });
});

it("keeps the counters of a flush D1 refused, and writes them with the next flush", async () => {
  const tenant = await createTenant();
  let refuse = true;
  const flaky = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          if (refuse) {
            refuse = false;
            return Promise.reject(new Error("D1 is unavailable"));
          }
          return target.batch(statements);
        };
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  await queueAndFlush(flaky, [tenant.id, { requests: 1, hits: 1, inputTokensSaved: 10 }]);
  expect((await readStats(env.DB, tenant.id)).requests).toBe(0);
  await queueAndFlush(flaky, [tenant.id, { requests: 1, misses: 1 }]);
  expect(await readStats(env.DB, tenant.id)).toMatchObject({
    requests: 2,
    hits: 1,
    misses: 1,
    input_tokens_saved: 10,
  });
});
