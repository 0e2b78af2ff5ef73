/**
 * Bench only, never deployed: the `phases` suite's Worker (tools/bench/suites/phases.ts). It runs in
 * the gateway's place with the gateway's wrangler.toml and passes every request to the gateway,
 * except `GET /loop?kind=…&n=…`, which calls the gateway's own `fetch` `n` times in a warm loop and
 * answers `ok` (or the first unexpected answer):
 *
 * - `miss`: a cache-off chat completion; the upstream answers from memory (the global `fetch` is
 *   swapped for the loop's length), so the loop holds no I/O wait a sampling profiler would charge
 *   to whatever function awaited it;
 * - `bare`: the same request relayed as a bare pass-through Worker would, against the same answer;
 * - `hit`: a cache HIT (a tenant with the exact cache on asks one question; after the first answer
 *   it is served from the isolate's hot entries, as a warm deployed isolate serves a hot entry);
 * - `healthz`: `GET /healthz`.
 *
 * The gateway is given stand-in bindings: a D1 that knows two API keys (one tenant's settings empty,
 * the other's with the exact cache on)
 * and answers every other query with no rows, a KV that holds nothing, Durable Objects that answer
 * nothing. After the first request the isolate's caches answer the key, alias and provider lookups,
 * as on a warm deployed isolate; nothing else on the cache-off miss path touches a binding.
 */
import gateway from "../../../src/index";
import { benchChatRequest } from "../chat-request";
import { STATIC_ANSWER } from "../proxy-bare/static-answer.js";

// The gateway's Durable Object classes, which its wrangler.toml names.
export * from "../../../src/index";

const UPSTREAM = "http://upstream.bench/v1";
const KEY = "egk_phases0bench0key0000000000000000";
/** A second tenant's key, with the exact cache on: its fixed question is a HIT after the first. */
const CACHED_KEY = "egk_phases0bench0key1111111111111111";

const upstreamAnswer = async () =>
  new Response(STATIC_ANSWER, {
    headers: { "content-type": "application/json", "x-request-id": "req_upstream" },
  });

const KEY_ROW = {
  key_id: "key_phases",
  key_name: "phases",
  key_prefix: KEY.slice(0, 12),
  console: 0,
  scopes: null,
  id: "ten_phases",
  name: "phases",
  settings: "{}",
  created_at: 1_764_633_600,
  cache_generation: 0,
};

const CACHED_KEY_ROW = {
  ...KEY_ROW,
  key_id: "key_phases_cached",
  id: "ten_phases_cached",
  settings: JSON.stringify({ cache: { mode: "exact" } }),
};

/** SHA-256 hex of a key, as the gateway looks keys up. */
async function keyHash(key) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
const cachedKeyHash = keyHash(CACHED_KEY);

/** A D1 statement that knows the two API keys and answers everything else with no rows. */
function statement(sql, args = []) {
  return {
    bind: (...values) => statement(sql, values),
    first: async () => {
      if (!sql.includes("FROM api_keys k JOIN tenants")) return null;
      return args[0] === (await cachedKeyHash) ? CACHED_KEY_ROW : KEY_ROW;
    },
    all: async () => ({ results: [], success: true, meta: {} }),
    run: async () => ({ results: [], success: true, meta: { changes: 0 } }),
    raw: async () => [],
  };
}

const db = {
  prepare: statement,
  batch: async (statements) => statements.map(() => ({ results: [], success: true, meta: {} })),
  withSession: () => db,
};
// A coalescer's join says "call the provider alone", as when the coalescer cannot be reached.
const nothing = new Proxy(
  {},
  { get: (_, method) => async () => (method === "joinKey" ? { role: "retry" } : null) },
);
const objects = { getByName: () => nothing, get: () => nothing, idFromName: () => ({}) };

function standInEnv(env) {
  return {
    ...env,
    DB: db,
    CACHE: { get: async () => null, put: async () => {}, delete: async () => {} },
    CAPTURE_QUEUE: { send: async () => {}, sendBatch: async () => {} },
    RATE_LIMITER: objects,
    TENANT_BUDGET: objects,
    COALESCER: objects,
    SEMANTIC_INDEX: objects,
    OPENAI_BASE_URL: UPSTREAM,
    OPENAI_API_KEY: "sk-phases",
    LOG_LEVEL: "warn",
    // Counters flushed once a minute, as a deployed isolate with traffic does.
    STATS_FLUSH_MS: "60000",
  };
}

let n = 0;
function chatRequest(key = KEY, content = `phase ${n++}`) {
  return benchChatRequest("https://gateway.bench/v1/chat/completions", key, content);
}

const kinds = {
  async miss(env, ctx) {
    return gateway.fetch(chatRequest(), env, ctx);
  },
  async bare() {
    const request = chatRequest();
    const headers = new Headers(request.headers);
    headers.set("authorization", "Bearer sk-phases");
    const upstream = await fetch(`${UPSTREAM}/chat/completions`, {
      method: "POST",
      headers,
      body: await request.arrayBuffer(),
    });
    return new Response(upstream.body, upstream);
  },
  async hit(env, ctx) {
    return gateway.fetch(chatRequest(CACHED_KEY, "the cached question"), env, ctx);
  },
  async healthz(env, ctx) {
    return gateway.fetch(new Request("https://gateway.bench/healthz"), env, ctx);
  },
};

async function loop(kind, count, env) {
  const call = kinds[kind];
  if (!call) return new Response(`unknown kind ${kind}`, { status: 400 });
  const standIn = standInEnv(env);
  // Each request's `waitUntil` work is started, as the runtime would, and not awaited by the loop. A
  // context of its own per request, as deployed: work keyed by the context (after-response.ts) must
  // not be shared across the loop's requests.
  const contextOf = () => ({ waitUntil: () => {}, passThroughOnException: () => {}, props: {} });
  const realFetch = globalThis.fetch;
  globalThis.fetch = upstreamAnswer;
  try {
    for (let i = 0; i < count; i++) {
      const res = await call(standIn, contextOf());
      await res.arrayBuffer();
      if (res.status !== 200) return new Response(`${kind}: status ${res.status}`, { status: 500 });
      // A pause every 200 requests lets the timers of their after-response work fire.
      if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  return new Response("ok");
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== "/loop") return gateway.fetch(request, env, ctx);
    return loop(url.searchParams.get("kind") ?? "", Number(url.searchParams.get("n") ?? 1000), env);
  },
  scheduled: gateway.scheduled,
  queue: gateway.queue,
};
