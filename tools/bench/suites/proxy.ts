/**
 * `proxy`: what the gateway itself costs per request. A bare pass-through Worker
 * (`tools/bench/proxy-bare/worker.js`) started by the same launcher with the gateway's bindings and
 * assets is the floor; the same calls go to it and to the gateway, one after the other, in one run:
 * chat throughput at a fixed concurrency and latency one at a time (cache off, distinct prompts; and
 * a tenant with the exact cache on, whose misses also look up, join a coalescer and store the answer),
 * streamed time to first token (also against the bare Worker reading the stream in JavaScript, the
 * floor of a stream the Worker must see), `/healthz`, and the gateway's cache HIT against the bare
 * Worker's answer from memory to the same SDK call (the floor of a HIT), through the SDK and with plain
 * `fetch` as `/healthz` is called. Load rounds run in the first launch; the one-at-a-time turns are
 * pooled over several fresh launches of both Workers (`BENCH_LAUNCHES`, 3). Then the gateway runs again
 * with the inspector on, and a CPU profile of each request kind is written under `bench/results/` and
 * its top functions printed.
 */
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import OpenAI from "openai";
import { bootstrapTenant, freePort, type Gateway, launchGateway } from "../../launch";
import { PROJECT_ROOT } from "../../launch/wrangler-env";
import { Inspector, type ProfileEntry, topSelf } from "../cpu-profile";
import { closedLoop, type LatencySummary, type LoadResult, summarize, timed } from "../measure";
import { cpuMs, workerdProcesses } from "../realtime-procs";
import { benchEnvironment, RESULTS_DIR } from "../report";
import { type BenchContext, type BenchRow, type BenchSuite, msRow, type SuiteResult } from "../suite";
import { cpuPerRequest, inTurns, poolTurns, type TurnResult } from "../turns";

const MODEL = "gpt-4o-mini";
const BARE_WORKER = join(PROJECT_ROOT, "tools/bench/proxy-bare/worker.js");
const PARAMETERS = {
  rounds: 3,
  concurrency: 16,
  warmupMs: 500,
  durationMs: 2_000,
  /** Fresh launches of both Workers whose one-at-a-time turns are pooled (`BENCH_LAUNCHES`). */
  launches: Number(process.env.BENCH_LAUNCHES) || 3,
  /** Requests of each kind one at a time, per launch. */
  sequentialCount: 100,
  /** Each kind under load before a later launch's turns, as the first launch's load rounds warm it. */
  relaunchWarmupMs: 1_500,
  /** Requests of one kind in a row before the next kind's turn, one at a time (`inTurns`, ../turns.ts). */
  turn: Number(process.env.BENCH_TURN) || 10,
  streamWarmupCount: 5,
  streamConcurrency: 4,
  streamChunkDelayMs: 20,
  streamMaxTokens: 3,
  profileMs: 3_000,
};

/** Distinct prompts, so no cache or request coalescing can answer instead of the upstream. */
const prompt = (label: string, i: number) => [
  { role: "user" as const, content: `${label} request ${i}: hello` },
];

type Call = (i: number) => Promise<unknown>;

/** A load's result and the CPU its Worker's workerd spent per request meanwhile (ms). */
type Loaded = LoadResult & { cpuMsPerRequest: number };

/**
 * Latency one at a time and the CPU the Worker's workerd spent per request over the same turns: one
 * at a time, a request finds the Worker's code cold and costs it far more CPU than under load, and
 * the latency gap between two Workers follows that CPU gap.
 */
type Sequential = LatencySummary & { cpuMsPerRequest: number };

/**
 * Throughput at `concurrency` after a warm-up, and the CPU time the Worker's workerd process used
 * per request meanwhile: unlike latency, that does not grow when other processes take the cores.
 */
async function loaded(call: Call, pid: number, first: number): Promise<Loaded> {
  const { concurrency, warmupMs, durationMs } = PARAMETERS;
  await closedLoop({ concurrency, durationMs: warmupMs }, (i) => timed(() => call(first + i)));
  const cpuBefore = cpuMs(pid);
  const result = await closedLoop({ concurrency, durationMs }, (i) =>
    timed(() => call(first + 1_000_000 + i)),
  );
  return { ...result, cpuMsPerRequest: (cpuMs(pid) - cpuBefore) / result.samples.length };
}

/** Milliseconds from sending a streamed request until its first content delta arrives. */
export async function timeToFirstToken(client: OpenAI, label: string, i: number): Promise<number> {
  const start = performance.now();
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: prompt(label, i),
    max_tokens: PARAMETERS.streamMaxTokens,
    stream: true,
  });
  let first: number | undefined;
  for await (const chunk of stream) {
    if (first === undefined && chunk.choices[0]?.delta.content) first = performance.now() - start;
  }
  if (first === undefined) throw new Error(`${label}: the stream carried no content.`);
  return first;
}

/**
 * GET, once more if the connection failed before an answer: a keep-alive socket the server closed
 * while idle is the client's pool at fault, not the Worker (an HTTP error still fails the run).
 */
async function get(url: string): Promise<void> {
  const res = await fetch(url).catch(() => fetch(url));
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
}

/**
 * The calls of each request kind against one Worker. The bare one has no cache: its `hit` is a fixed
 * answer from memory to the same SDK call, the least a HIT can cost.
 */
interface Calls {
  /** The workerd process that runs the Worker (not wrangler's proxy in front of it). */
  pid: number;
  miss: Call;
  /** A miss of a tenant with the exact cache on: lookup, coalescer join, and the answer stored after. */
  missCached?: Call;
  stream: OpenAI;
  /** The bare Worker's relay with the stream read in JavaScript (`/piped/v1`): the floor of a stream the Worker must see. */
  streamInJs?: OpenAI;
  healthz: Call;
  hit?: Call;
  /** The same HIT (or answer from memory) with plain fetch, the client `/healthz` is called with. */
  hitPlain?: Call;
}

/**
 * Where the calls go: wrangler's dev proxy in front of the Worker (`npm start`'s address; every request
 * crosses a second workerd process) or, with `BENCH_VIA=direct`, the Worker's own socket.
 */
function callUrl(worker: Gateway): string {
  if (process.env.BENCH_VIA !== "direct") return worker.url;
  if (!worker.directUrl)
    throw new Error("BENCH_VIA=direct: the launcher did not learn the Worker's own address");
  return worker.directUrl;
}

const sdk = (baseURL: string, apiKey: string) =>
  new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });

function chatCalls(client: OpenAI, label: string): Call {
  return (i) => client.chat.completions.create({ model: MODEL, messages: prompt(label, i), max_tokens: 32 });
}

/**
 * The cached question posted with plain `fetch`, as `/healthz` is called: the SDK's own work in the
 * client (options, headers, retries, parsing the answer into objects) is not the Worker's, and one
 * at a time it shows in the latency. Answers the response's `x-cache` header.
 */
function plainChat(url: string, apiKey: string): (i: number) => Promise<string | null> {
  const init = {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: prompt("cached", 0), max_tokens: 32 }),
  };
  return async () => {
    const res = await fetch(url, init).catch(() => fetch(url, init));
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`POST ${url}: ${res.status}`);
    return res.headers.get("x-cache");
  };
}

/** A tenant with the exact cache on: its SDK client. */
async function cachedClient(gateway: Gateway): Promise<{ client: OpenAI; apiKey: string }> {
  const { apiKey, tenantId } = await bootstrapTenant(gateway.url, gateway.adminToken, "bench-cache");
  const res = await fetch(`${gateway.url}/admin/tenants/${tenantId}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ settings: { cache: { mode: "exact" } } }),
  });
  if (!res.ok) throw new Error(`Turning the cache on answered ${res.status}: ${await res.text()}`);
  return { client: sdk(`${callUrl(gateway)}/v1`, apiKey), apiKey };
}

/** Calls (SDK, plain fetch) of a tenant with the exact cache on that repeat one cached question. */
async function hitCalls(
  gateway: Gateway,
  { client, apiKey }: { client: OpenAI; apiKey: string },
): Promise<Pick<Calls, "hit" | "hitPlain">> {
  const messages = prompt("cached", 0);
  const call: Call = () => client.chat.completions.create({ model: MODEL, messages, max_tokens: 32 });
  await call(0);
  const plain = plainChat(`${callUrl(gateway)}/v1/chat/completions`, apiKey);
  const status = await plain(0);
  if (status !== "HIT") throw new Error(`The plain-fetch cache call answered x-cache ${status}, not HIT.`);
  return { hit: call, hitPlain: plain };
}

/** The bare Worker's answer from memory (`tools/bench/proxy-bare/worker.js`), through the SDK as a HIT is. */
function staticAnswerCall(bareUrl: string): Call {
  const client = sdk(`${bareUrl}/static/v1`, "unused");
  const messages = prompt("cached", 0);
  return () => client.chat.completions.create({ model: MODEL, messages, max_tokens: 32 });
}

async function gatewayCalls(gateway: Gateway, pid: number): Promise<Calls> {
  const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "bench");
  const client = sdk(`${callUrl(gateway)}/v1`, apiKey);
  const cached = await cachedClient(gateway);
  return {
    pid,
    miss: chatCalls(client, "gateway"),
    missCached: chatCalls(cached.client, "gateway, cache on"),
    stream: client,
    healthz: () => get(`${callUrl(gateway)}/healthz`),
    ...(await hitCalls(gateway, cached)),
  };
}

type Kind = "miss" | "missCached" | "healthz" | "hit" | "hitPlain";
interface Measured {
  /** Throughput at the bench's concurrency, per request kind. */
  loaded: Partial<Record<Kind, Loaded>>;
  /** Latency one at a time, per request kind, and streamed time to first token. */
  sequential: Partial<Record<Kind | "ttft" | "ttftInJs", Sequential>>;
}

/** The rounds of one measurement as one: all samples, throughput and CPU over the summed windows. */
function merge(results: Loaded[]): Loaded {
  const samples = results.flatMap((r) => r.samples);
  const elapsedMs = results.reduce((sum, r) => sum + r.elapsedMs, 0);
  const cpu = results.reduce((sum, r) => sum + r.cpuMsPerRequest * r.samples.length, 0);
  return {
    samples,
    elapsedMs,
    throughput: (samples.length / elapsedMs) * 1000,
    summary: summarize(samples),
    cpuMsPerRequest: cpu / samples.length,
  };
}

/** The request kinds measured under load, per Worker (the bare one has no cache-on miss). */
const loadKinds = (calls: Calls) => ({
  miss: calls.miss,
  missCached: calls.missCached,
  healthz: calls.healthz,
  hit: calls.hit,
});

/**
 * Under load, bare Worker and gateway take turns in short rounds, so that a busy moment of the
 * shared machine falls on both instead of deciding the comparison.
 */
async function loadedInTurns(bare: Calls, gateway: Calls, ctx: BenchContext) {
  const rounds: Record<"bare" | "gateway", Partial<Record<Kind, Loaded[]>>> = { bare: {}, gateway: {} };
  for (let round = 1; round <= PARAMETERS.rounds; round++) {
    ctx.progress(`  round ${round} of ${PARAMETERS.rounds} at concurrency ${PARAMETERS.concurrency}`);
    for (const kind of ["miss", "missCached", "healthz", "hit"] as const) {
      for (const [target, calls] of [
        ["bare", bare],
        ["gateway", gateway],
      ] as const) {
        const call = loadKinds(calls)[kind];
        if (!call) continue;
        const results = rounds[target][kind] ?? [];
        // Each round its own prompts: a cache-on miss repeated from an earlier round would be a HIT.
        results.push(await loaded(call, calls.pid, round * 10_000_000));
        rounds[target][kind] = results;
      }
    }
  }
  const mergeAll = (r: Partial<Record<Kind, Loaded[]>>): Measured["loaded"] =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, merge(v)]));
  return { bare: mergeAll(rounds.bare), gateway: mergeAll(rounds.gateway) };
}

/**
 * A fresh launch's code starts cold: each kind under load for a moment, as the first launch's load
 * rounds did before its one-at-a-time turns.
 */
async function warmUp(bare: Calls, gateway: Calls): Promise<void> {
  const { concurrency, relaunchWarmupMs } = PARAMETERS;
  for (const calls of [bare, gateway])
    for (const call of Object.values(loadKinds(calls)))
      if (call)
        await closedLoop({ concurrency, durationMs: relaunchWarmupMs }, (i) =>
          timed(() => call(i + 3_000_000)),
        );
}

/** One at a time, request kind by request kind, bare Worker and gateway taking turns (`inTurns`). */
async function oneAtATimeInTurns(bare: Calls, gateway: Calls, launch: number) {
  const oneAtATime = (calls: Calls, label: string) => ({
    miss: (i: number) => timed(() => calls.miss(i)),
    ...(calls.missCached && {
      missCached: (i: number) => timed(() => calls.missCached?.(i) ?? Promise.resolve()),
    }),
    healthz: (i: number) => timed(() => calls.healthz(i)),
    ...(calls.hit && { hit: (i: number) => timed(() => calls.hit?.(i) ?? Promise.resolve()) }),
    ...(calls.hitPlain && {
      hitPlain: (i: number) => timed(() => calls.hitPlain?.(i) ?? Promise.resolve()),
    }),
    ttft: (i: number) => timeToFirstToken(calls.stream, label, i),
    ...(calls.streamInJs && {
      ttftInJs: (i: number) => timeToFirstToken(calls.streamInJs as OpenAI, `${label} in JS`, i),
    }),
  });
  const named = (prefix: string, calls: Record<string, (i: number) => Promise<number>>) =>
    Object.fromEntries(Object.entries(calls).map(([k, v]) => [`${prefix}.${k}`, v]));
  const all = {
    ...named("bare", oneAtATime(bare, "bare")),
    ...named("gateway", oneAtATime(gateway, "gateway")),
  };
  const pidOf = (name: string) => (name.startsWith("bare.") ? bare.pid : gateway.pid);
  const { turn, sequentialCount, streamWarmupCount } = PARAMETERS;
  const first = 2_000_000 + launch * 10_000;
  await inTurns(all, { count: streamWarmupCount, turn, first, pidOf });
  return inTurns(all, { count: sequentialCount, turn, first: first + streamWarmupCount, pidOf });
}

/** A Worker's one-at-a-time figures from the launches' pooled turns (`bare.` or `gateway.` calls). */
function pick(pooled: ReadonlyMap<string, TurnResult>, prefix: string): Measured["sequential"] {
  return Object.fromEntries(
    [...pooled]
      .filter(([k]) => k.startsWith(`${prefix}.`))
      .map(([k, v]) => [
        k.slice(prefix.length + 1),
        { ...summarize(v.samples), cpuMsPerRequest: cpuPerRequest(v) },
      ]),
  );
}

function rows(bare: Measured, gw: Measured): BenchRow[] {
  const c = PARAMETERS.concurrency;
  const nan = Number.NaN;
  const rps = (metric: string, baseline = nan, candidate = nan, target?: string): BenchRow => ({
    metric,
    unit: "req/s",
    better: "higher",
    baseline,
    candidate,
    target,
  });
  const [b, g] = [bare.sequential, gw.sequential];
  const cpu = (metric: string, kind: Kind, bareKind: Kind = kind) =>
    msRow(
      `workerd CPU per request, concurrency ${c}: ${metric}`,
      bare.loaded[bareKind]?.cpuMsPerRequest,
      gw.loaded[kind]?.cpuMsPerRequest,
    );
  return [
    rps(
      `miss: chat throughput, concurrency ${c}`,
      bare.loaded.miss?.throughput,
      gw.loaded.miss?.throughput,
      "x0.8",
    ),
    msRow("miss: chat latency p50, one at a time", b.miss?.p50, g.miss?.p50, "+0.5 ms"),
    msRow("miss: chat latency p99, one at a time", b.miss?.p99, g.miss?.p99),
    rps(
      `miss, exact cache on: chat throughput, concurrency ${c}: bare miss -> gateway`,
      bare.loaded.miss?.throughput,
      gw.loaded.missCached?.throughput,
    ),
    msRow(
      "miss, exact cache on: chat latency p50, one at a time: bare miss -> gateway",
      b.miss?.p50,
      g.missCached?.p50,
    ),
    msRow("streamed miss: time to first token p50", b.ttft?.p50, g.ttft?.p50, "+1 ms"),
    msRow("streamed miss: time to first token p99", b.ttft?.p99, g.ttft?.p99),
    msRow(
      "streamed miss: bare Worker reading the stream in JS -> gateway, first token p50",
      b.ttftInJs?.p50,
      g.ttft?.p50,
    ),
    msRow(
      "floor: bare pipe -> bare Worker reading the stream in JS, first token p50",
      b.ttft?.p50,
      b.ttftInJs?.p50,
    ),
    rps(
      `/healthz throughput, concurrency ${c}`,
      bare.loaded.healthz?.throughput,
      gw.loaded.healthz?.throughput,
      "x0.9",
    ),
    msRow("/healthz p50, one at a time", b.healthz?.p50, g.healthz?.p50),
    msRow(
      "cache HIT p50, plain fetch as /healthz: gateway /healthz -> gateway HIT",
      g.healthz?.p50,
      g.hitPlain?.p50,
      "x1.2",
    ),
    msRow("cache HIT p50 through the SDK: gateway /healthz -> gateway HIT", g.healthz?.p50, g.hit?.p50),
    msRow("cache HIT p50: bare miss -> gateway HIT", b.miss?.p50, g.hit?.p50, "lower"),
    msRow("cache HIT p50: bare answer from memory -> gateway HIT", b.hit?.p50, g.hit?.p50),
    msRow(
      "floor, plain fetch: bare /healthz -> bare answer from memory p50",
      b.healthz?.p50,
      b.hitPlain?.p50,
    ),
    msRow("floor, SDK: bare /healthz -> bare answer from memory p50", b.healthz?.p50, b.hit?.p50),
    msRow(
      "cache HIT p50, plain fetch: bare answer from memory -> gateway HIT",
      b.hitPlain?.p50,
      g.hitPlain?.p50,
    ),
    rps(
      `cache HIT throughput, concurrency ${c}: bare miss -> HIT`,
      bare.loaded.miss?.throughput,
      gw.loaded.hit?.throughput,
    ),
    cpu("miss", "miss"),
    cpu("bare miss -> gateway miss, exact cache on", "missCached", "miss"),
    cpu("/healthz", "healthz"),
    cpu("bare miss -> gateway HIT", "hit", "miss"),
    cpu("bare answer from memory -> gateway HIT", "hit"),
    msRow("workerd CPU per request, one at a time: miss", b.miss?.cpuMsPerRequest, g.miss?.cpuMsPerRequest),
    msRow(
      "workerd CPU per request, one at a time: bare answer from memory -> gateway HIT",
      b.hit?.cpuMsPerRequest,
      g.hit?.cpuMsPerRequest,
    ),
    msRow(
      "workerd CPU per request, one at a time: bare stream read in JS -> gateway stream",
      b.ttftInJs?.cpuMsPerRequest,
      g.ttft?.cpuMsPerRequest,
    ),
  ];
}

const summaries = (m: Measured) => ({
  loaded: Object.fromEntries(
    Object.entries(m.loaded).map(([k, v]) => [
      k,
      { ...v.summary, throughput: v.throughput, cpuMsPerRequest: v.cpuMsPerRequest },
    ]),
  ),
  sequential: m.sequential,
});

/**
 * Runs each request kind for a few seconds at the bench's concurrency with the gateway's CPU
 * profiled; writes `bench/results/proxy-<kind>.cpuprofile` and answers each kind's top functions.
 */
async function profiles(ctx: BenchContext): Promise<Record<string, ProfileEntry[]>> {
  ctx.progress("Profiling: the gateway again, with the inspector on…");
  const gateway = await launchGateway({
    vars: { LOG_LEVEL: "warn" },
    simulatorConfig: { streamChunkDelayMs: PARAMETERS.streamChunkDelayMs },
    inspectorPort: await freePort(),
  });
  const inspector = await Inspector.connect(gateway.inspectorUrl ?? "");
  try {
    const calls = await gatewayCalls(gateway, 0);
    const kinds: Record<string, Call> = {
      healthz: calls.healthz,
      hit: calls.hit ?? calls.healthz,
      miss: calls.miss,
      stream: (i) => timeToFirstToken(calls.stream, "profile", i),
    };
    const out: Record<string, ProfileEntry[]> = {};
    for (const [kind, call] of Object.entries(kinds)) {
      const concurrency = kind === "stream" ? PARAMETERS.streamConcurrency : PARAMETERS.concurrency;
      await closedLoop({ concurrency, durationMs: 500 }, (i) => timed(() => call(i)));
      const profile = await inspector.profile(() =>
        closedLoop({ concurrency, durationMs: PARAMETERS.profileMs }, (i) =>
          timed(() => call(i + 1_000_000)),
        ),
      );
      const file = join(RESULTS_DIR, `proxy-${kind}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      out[kind] = topSelf(profile, 12);
      ctx.progress(`  ${kind}: ${relative(PROJECT_ROOT, file)}`);
    }
    return out;
  } finally {
    inspector.close();
    await gateway.close();
  }
}

export function renderProfiles(top: Record<string, ProfileEntry[]>): string {
  return Object.entries(top)
    .map(([kind, entries]) =>
      [
        `  CPU profile, ${kind} (self time, share of busy samples):`,
        ...entries.map((e) => `    ${e.selfPercent.toFixed(1).padStart(5)}%  ${e.name}`),
      ].join("\n"),
    )
    .join("\n");
}

/** The gateway and the bare Worker on the gateway's simulator, and the calls of each. */
interface Pair {
  gateway: Gateway;
  bare: Gateway;
  gatewayCalls: Calls;
  bareCalls: Calls;
}

async function launchPair(): Promise<Pair> {
  const gateway = await launchGateway({
    vars: { LOG_LEVEL: "warn" },
    simulatorConfig: { streamChunkDelayMs: PARAMETERS.streamChunkDelayMs },
  });
  try {
    const sim = gateway.simulator;
    if (!sim) throw new Error("The proxy suite needs the bundled simulator.");
    const gatewayProcs = workerdProcesses(gateway.port);
    const bare = await launchGateway({
      entrypoint: BARE_WORKER,
      upstream: { baseUrl: sim.url, apiKey: sim.state.config.apiKey ?? "sk-sim-edgegate" },
      vars: { LOG_LEVEL: "warn" },
    });
    try {
      const bareUrl = callUrl(bare);
      const bareClient = sdk(`${bareUrl}/v1`, "unused");
      const taken = new Set([gatewayProcs.gateway.pid, gatewayProcs.proxy.pid]);
      const bareCalls: Calls = {
        pid: workerdProcesses(bare.port, taken).gateway.pid,
        miss: chatCalls(bareClient, "bare"),
        stream: bareClient,
        streamInJs: sdk(`${bareUrl}/piped/v1`, "unused"),
        healthz: () => get(`${bareUrl}/healthz`),
        hit: staticAnswerCall(bareUrl),
        hitPlain: plainChat(`${bareUrl}/static/v1/chat/completions`, "unused"),
      };
      return {
        gateway,
        bare,
        bareCalls,
        gatewayCalls: await gatewayCalls(gateway, gatewayProcs.gateway.pid),
      };
    } catch (err) {
      await bare.close();
      throw err;
    }
  } catch (err) {
    await gateway.close();
    throw err;
  }
}

/**
 * Under load once, then one at a time over several fresh launches of both Workers, pooled: one
 * launch of a build differs from another by up to 0.5 ms per request for its whole life, as much as
 * the targets, so a single launch's one-at-a-time figures decide nothing.
 */
async function measure(
  ctx: BenchContext,
): Promise<{ bare: Measured; gateway: Measured; perLaunch: Record<string, number>[] }> {
  const pooled = new Map<string, TurnResult>();
  const perLaunch: Record<string, number>[] = [];
  let loadedResults: Awaited<ReturnType<typeof loadedInTurns>> | undefined;
  const { launches, sequentialCount } = PARAMETERS;
  for (let launch = 1; launch <= launches; launch++) {
    ctx.progress(`Launch ${launch} of ${launches}: the gateway and the bare Worker with the simulator…`);
    const pair = await launchPair();
    try {
      // One after the other, never overlapping: two cores are shared by client, simulator and workerd.
      if (launch === 1) loadedResults = await loadedInTurns(pair.bareCalls, pair.gatewayCalls, ctx);
      else await warmUp(pair.bareCalls, pair.gatewayCalls);
      ctx.progress(`  ${sequentialCount} of each one at a time, taking turns`);
      const turns = await oneAtATimeInTurns(pair.bareCalls, pair.gatewayCalls, launch);
      perLaunch.push(launchGaps(turns));
      poolTurns(pooled, turns);
    } finally {
      await pair.bare.close();
      await pair.gateway.close();
    }
  }
  if (!loadedResults) throw new Error("The proxy suite measured no launch.");
  return {
    bare: { loaded: loadedResults.bare, sequential: pick(pooled, "bare") },
    gateway: { loaded: loadedResults.gateway, sequential: pick(pooled, "gateway") },
    perLaunch,
  };
}

/** One launch's p50 gaps, gateway over bare Worker (ms), for the kinds the targets judge. */
function launchGaps(turns: ReadonlyMap<string, TurnResult>): Record<string, number> {
  const p50 = (name: string) => summarize(turns.get(name)?.samples ?? []).p50;
  return {
    miss: p50("gateway.miss") - p50("bare.miss"),
    ttft: p50("gateway.ttft") - p50("bare.ttft"),
    healthz: p50("gateway.healthz") - p50("bare.healthz"),
    hitPlainOverHealthz: p50("gateway.hitPlain") / p50("gateway.healthz"),
    floorPlain: p50("bare.hitPlain") / p50("bare.healthz"),
  };
}

/** The per-launch gaps as lines of the report. */
function renderLaunches(perLaunch: Record<string, number>[]): string {
  const ms = (x: number | undefined) =>
    `${(x ?? Number.NaN) >= 0 ? "+" : ""}${(x ?? Number.NaN).toFixed(2)} ms`;
  const ratio = (x: number | undefined) => `x${(x ?? Number.NaN).toFixed(2)}`;
  return [
    "  One at a time, per launch (gateway over bare Worker, p50):",
    ...perLaunch.map(
      (g, i) =>
        `    launch ${i + 1}: miss ${ms(g.miss)}, first token ${ms(g.ttft)}, /healthz ${ms(g.healthz)}, HIT/healthz ${ratio(g.hitPlainOverHealthz)} (bare floor ${ratio(g.floorPlain)})`,
    ),
  ].join("\n");
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  const results = await measure(ctx);
  const top = process.env.BENCH_PROFILE === "0" ? {} : await profiles(ctx);
  return {
    labels: { baseline: "bare Worker", candidate: "gateway" },
    environment: {
      ...(await benchEnvironment()),
      gateway: "gateway via unstable_startWorker, inspector off (local workerd), LOG_LEVEL=warn",
      floor: "bare pass-through Worker, same launcher, bindings and assets (tools/bench/proxy-bare)",
      upstream: "bundled OpenAI simulator, in the benchmark's own Node process",
      address:
        process.env.BENCH_VIA === "direct"
          ? "each Worker's own socket (BENCH_VIA=direct)"
          : "wrangler's dev proxy in front of each Worker, as npm start serves",
      launches: `load rounds in launch 1; one at a time pooled over ${PARAMETERS.launches} launches`,
    },
    parameters: PARAMETERS,
    rows: rows(results.bare, results.gateway),
    details: {
      bare: summaries(results.bare),
      gateway: summaries(results.gateway),
      profiles: top,
      perLaunch: results.perLaunch,
    },
    appendix: [renderLaunches(results.perLaunch), renderProfiles(top)].filter(Boolean).join("\n"),
  };
}

export const proxySuite: BenchSuite = {
  name: "proxy",
  description:
    "gateway vs a bare pass-through Worker: miss, streamed TTFT, /healthz, cache HIT; CPU profiles per path",
  run,
};
