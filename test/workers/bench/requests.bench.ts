/**
 * The `isolate` benchmark's harness (tools/bench/suites/isolate.ts), run inside workerd by
 * vitest-pool-workers, never by `npm test`: the gateway's `fetch` called directly in a warm loop, so
 * a request's JavaScript is measured to a few microseconds, without the sockets, processes and
 * launch-to-launch drift of the `proxy` suite (where one launch of a build differs from another by
 * up to 0.5 ms). workerd's clock moves only across I/O: each round of requests is timed between two
 * awaited timers. Prints one `EDGEGATE_ISOLATE <json>` line: microseconds per request, per round.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import worker from "../../../src/index";
import { benchChatRequest } from "../../../tools/bench/chat-request";
import { createTenant, GATEWAY } from "../helpers/gateway";
import { inSimScope, simFetch } from "../helpers/sim";

const ROUNDS = 5;
/** Requests per round of the calls answered in the isolate, and of those that call the simulator. */
const LOCAL_COUNT = 2_000;
const UPSTREAM_COUNT = 300;
/** Requests of one upstream call in a row before the other's turn. */
const TURN = 10;
/** Accounting flushed once a minute, as deployed with traffic (the tests flush at once). */
const benchEnv = { ...env, STATS_FLUSH_MS: "60000", LOG_LEVEL: "warn" } as typeof env;

type Timers = Record<"setTimeout" | "clearTimeout", unknown>;

/**
 * vitest-pool-workers replaces `setTimeout` and `clearTimeout` with wrappers that capture a stack
 * trace on every call: 13 µs a pair in a loop here, against 3.5 µs for workerd's own. A miss sets a
 * timer for its upstream deadline and would be charged the wrapper, which no deployed Worker runs.
 * The measurement runs on workerd's own timers (the global scope's prototype keeps them); vitest's
 * are put back after.
 */
async function withWorkerdTimers<T>(run: () => Promise<T>): Promise<T> {
  const scope = globalThis as unknown as Timers;
  const workerd = Object.getPrototypeOf(globalThis) as Timers;
  const wrapped = { setTimeout: scope.setTimeout, clearTimeout: scope.clearTimeout };
  scope.setTimeout = workerd.setTimeout;
  scope.clearTimeout = workerd.clearTimeout;
  try {
    expect(String(setTimeout)).toContain("[native code]");
    return await run();
  } finally {
    Object.assign(scope, wrapped);
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** A call answered inside the isolate, timed over `count` between two timers (no I/O moves the clock). */
async function microsecondsPer(count: number, call: () => Promise<unknown>): Promise<number> {
  await tick();
  const started = Date.now();
  for (let i = 0; i < count; i++) await call();
  await tick();
  return ((Date.now() - started) * 1000) / count;
}

function chatRequest(key: string, content: string): Request {
  return inSimScope(benchChatRequest(`${GATEWAY}/v1/chat/completions`, key, content));
}

/** The gateway's answer, read whole, as the runtime would send it. */
async function gateway(request: Request): Promise<Response> {
  const res = await worker.fetch(request, benchEnv, createExecutionContext());
  await res.arrayBuffer();
  return res;
}

/**
 * Calls that reach the simulator, timed in turns of `TURN` requests that take turns, so that the
 * simulator's own drift (it warms up and slows with the machine) falls on all alike. Each turn ends
 * in I/O, which moves workerd's clock: no timer is needed around it.
 */
async function upstreamTurns(
  calls: Record<string, () => Promise<unknown>>,
  count: number,
): Promise<Record<string, number>> {
  const spent: Record<string, number> = {};
  const names = Object.keys(calls);
  for (let done = 0, turn = 0; done < count; done += TURN, turn++) {
    for (const name of turn % 2 ? [...names].reverse() : names) {
      const started = Date.now();
      for (let i = 0; i < TURN; i++) await calls[name]?.();
      spent[name] = (spent[name] ?? 0) + Date.now() - started;
    }
  }
  return Object.fromEntries(names.map((name) => [name, ((spent[name] ?? 0) * 1000) / count]));
}

it("measures each request kind in a warm loop inside workerd", async () => {
  const off = await createTenant();
  const exact = await createTenant({ cache: { mode: "exact" } });
  const cachedQuestion = "the cached question";
  await gateway(chatRequest(exact.key, cachedQuestion));
  let n = 0;
  const local: Record<string, () => Promise<unknown>> = {
    healthz: () => gateway(new Request(`${GATEWAY}/healthz`)),
    hit: async () => {
      const res = await gateway(chatRequest(exact.key, cachedQuestion));
      expect(res.headers.get("x-cache")).toBe("HIT");
    },
  };
  const upstream: Record<string, () => Promise<unknown>> = {
    upstreamAlone: async () => {
      const res = await simFetch("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${env.OPENAI_API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: `straight ${n++}` }],
          max_tokens: 8,
        }),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
    },
    miss: async () => expect((await gateway(chatRequest(off.key, `miss ${n++}`))).status).toBe(200),
  };
  // The same miss with the upstream answered in the isolate (a stubbed `fetch`), against a bare
  // pass-through's own code with the same stub: the JavaScript each spends on a miss, no I/O.
  const answer = await (
    await simFetch("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPENAI_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "stub" }],
        max_tokens: 8,
      }),
    })
  ).text();
  const realFetch = globalThis.fetch;
  const stubbed = (input: RequestInfo | URL, init?: RequestInit) =>
    String(input instanceof Request ? input.url : input).startsWith(String(env.OPENAI_BASE_URL))
      ? Promise.resolve(new Response(answer, { headers: { "content-type": "application/json" } }))
      : realFetch(input, init);
  const withStub = (call: () => Promise<unknown>) => async (count: number) => {
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(stubbed);
    try {
      return await microsecondsPer(count, call);
    } finally {
      spy.mockRestore();
    }
  };
  const stubbedKinds: Record<string, (count: number) => Promise<number>> = {
    missStubbed: withStub(async () =>
      expect((await gateway(chatRequest(off.key, `stubbed miss ${n++}`))).status).toBe(200),
    ),
    bareStubbed: withStub(async () => {
      const request = chatRequest(off.key, `bare ${n++}`);
      const headers = new Headers(request.headers);
      headers.set("authorization", `Bearer ${env.OPENAI_API_KEY}`);
      const upstream = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
        method: "POST",
        headers,
        body: await request.arrayBuffer(),
      });
      await new Response(upstream.body, upstream).arrayBuffer();
    }),
  };
  const rounds: Record<string, number[]> = {};
  const add = (name: string, us: number) => {
    rounds[name] = [...(rounds[name] ?? []), us];
  };
  await withWorkerdTimers(async () => {
    // Warm: a whole round of each, untimed.
    for (const call of Object.values(local)) for (let i = 0; i < LOCAL_COUNT; i++) await call();
    for (const timed of Object.values(stubbedKinds)) await timed(LOCAL_COUNT);
    await upstreamTurns(upstream, UPSTREAM_COUNT);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, call] of Object.entries(local)) add(name, await microsecondsPer(LOCAL_COUNT, call));
      for (const [name, timed] of Object.entries(stubbedKinds)) add(name, await timed(LOCAL_COUNT));
      for (const [name, us] of Object.entries(await upstreamTurns(upstream, UPSTREAM_COUNT))) add(name, us);
    }
  });
  console.log(`EDGEGATE_ISOLATE ${JSON.stringify(rounds)}`);
}, 600_000);
