/**
 * `ratelimit`: what rate limits cost a tenant with many users. Two tenants of one gateway, one with
 * per-key and per-user limits far above the load (every request draws from its key's and its user's
 * `RateLimiter` objects, none refused) and one without; 16 concurrent callers spread over many end
 * users of the one key, through the proxy (cache off) and on cache hits; then cache hits under the
 * tenant-wide limit alone.
 */
import { bootstrapTenant, launchGateway } from "../../launch";
import { closedLoop, type LoadResult, timed } from "../measure";
import type { BenchContext, BenchRow, BenchSuite, SuiteResult } from "../suite";

const PARAMETERS = {
  concurrency: 16,
  users: Number(process.env.BENCH_RATELIMIT_USERS) || 256,
  durationMs: 4_000,
  rounds: 2,
  perMinuteLimit: 10_000_000,
};

interface Target {
  label: string;
  apiKey: string;
}

async function tenantWith(
  gateway: { url: string; adminToken: string },
  name: string,
  settings: Record<string, unknown>,
): Promise<Target> {
  const { apiKey, tenantId } = await bootstrapTenant(gateway.url, gateway.adminToken, name);
  const res = await fetch(`${gateway.url}/admin/tenants/${tenantId}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ settings }),
  });
  if (!res.ok) throw new Error(`settings of ${name}: ${res.status} ${await res.text()}`);
  return { label: name, apiKey };
}

/** One chat completion as end user `i mod users`; `distinct` prompts defeat the cache. */
function chat(url: string, target: Target, i: number, distinct: boolean): Promise<number> {
  return timed(async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${target.apiKey}`,
        "content-type": "application/json",
        "x-user-id": `user-${i % PARAMETERS.users}`,
      },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: distinct ? `request ${i}` : "the cached question" }],
        max_tokens: 16,
      }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${target.label}: ${res.status}`);
  });
}

/** One request per user first, so every user's object exists (and the answer is cached) before timing. */
async function warmUp(url: string, target: Target, distinct: boolean): Promise<void> {
  const { concurrency, users } = PARAMETERS;
  await closedLoop({ concurrency, count: users }, (i) => chat(url, target, i, distinct));
}

function load(url: string, target: Target, distinct: boolean, round: number): Promise<LoadResult> {
  const { concurrency, durationMs } = PARAMETERS;
  return closedLoop({ concurrency, durationMs }, (i) =>
    chat(url, target, (round + 1) * 1_000_000 + i, distinct),
  );
}

/** Alternates the two sides round by round, so the machine's drift during the run falls on both. */
async function compare(url: string, pair: [Target, Target], distinct: boolean, ctx: BenchContext) {
  for (const target of pair) await warmUp(url, target, distinct);
  const runs: [LoadResult[], LoadResult[]] = [[], []];
  for (let round = 0; round < PARAMETERS.rounds; round++) {
    ctx.progress(
      `  ${distinct ? "cache off" : "cache hits"}, round ${round + 1}: concurrency ${PARAMETERS.concurrency}`,
    );
    runs[0].push(await load(url, pair[0], distinct, round));
    runs[1].push(await load(url, pair[1], distinct, round));
  }
  return runs.map((results) => ({
    throughput: results.reduce((sum, r) => sum + r.throughput, 0) / results.length,
    p50: results.reduce((sum, r) => sum + r.summary.p50, 0) / results.length,
    rounds: results.map((r) => ({ throughput: r.throughput, summary: r.summary })),
  })) as [Measured, Measured];
}

interface Measured {
  throughput: number;
  p50: number;
  rounds: { throughput: number; summary: LoadResult["summary"] }[];
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Launching the gateway with the simulator…");
  const gateway = await launchGateway({ vars: { LOG_LEVEL: "warn" } });
  try {
    const limit = PARAMETERS.perMinuteLimit;
    const rateLimits = { requests_per_minute_per_key: limit, requests_per_minute_per_user: limit };
    const proxy = { cache: { mode: "off" } };
    const hits = { cache: { mode: "exact", share_across_users: true } };
    const off = await tenantWith(gateway, "bench-ratelimit-off", proxy);
    const on = await tenantWith(gateway, "bench-ratelimit-on", { ...proxy, rate_limits: rateLimits });
    const offHits = await tenantWith(gateway, "bench-ratelimit-off-hits", hits);
    const onHits = await tenantWith(gateway, "bench-ratelimit-on-hits", { ...hits, rate_limits: rateLimits });
    const [proxyOff, proxyOn] = await compare(gateway.url, [off, on], true, ctx);
    const [hitsOff, hitsOn] = await compare(gateway.url, [offHits, onHits], false, ctx);
    // The tenant-wide limit alone: decided in the isolate, leased in the background.
    const tenantHits = await tenantWith(gateway, "bench-ratelimit-tenant-hits", {
      ...hits,
      rate_limits: { requests_per_minute_per_tenant: limit },
    });
    const [hitsOff2, hitsTenant] = await compare(gateway.url, [offHits, tenantHits], false, ctx);
    const throughput = (metric: string, baseline: Measured, candidate: Measured): BenchRow => ({
      metric,
      unit: "req/s",
      better: "higher",
      baseline: baseline.throughput,
      candidate: candidate.throughput,
    });
    const p50 = (metric: string, baseline: Measured, candidate: Measured): BenchRow => ({
      metric,
      unit: "ms",
      better: "lower",
      baseline: baseline.p50,
      candidate: candidate.p50,
    });
    const c = PARAMETERS.concurrency;
    return {
      labels: { baseline: "limits off", candidate: "limits on" },
      environment: {
        gateway: "gateway via unstable_startWorker, inspector off (local workerd), bundled simulator",
        limits: `per key and per user ${limit}/min (never reached): each request draws from its key's and user's objects; last row: per tenant only`,
        node: process.version,
      },
      parameters: PARAMETERS,
      rows: [
        throughput(
          `chat throughput, cache off, one tenant, ${PARAMETERS.users} users, concurrency ${c}`,
          proxyOff,
          proxyOn,
        ),
        p50(`chat latency p50 under that load`, proxyOff, proxyOn),
        throughput(
          `cache HIT throughput, one tenant, ${PARAMETERS.users} users, concurrency ${c}`,
          hitsOff,
          hitsOn,
        ),
        p50(`cache HIT latency p50 under that load`, hitsOff, hitsOn),
        throughput(`cache HIT throughput, tenant-wide limit only, concurrency ${c}`, hitsOff2, hitsTenant),
      ],
      details: { proxyOff, proxyOn, hitsOff, hitsOn, hitsOff2, hitsTenant },
    };
  } finally {
    await gateway.close();
  }
}

export const ratelimitSuite: BenchSuite = {
  name: "ratelimit",
  description:
    "requests/s and latency with per-key, per-user and tenant-wide rate limits on vs off, one tenant, many users",
  run,
};
