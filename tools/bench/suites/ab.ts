/**
 * `ab`: two builds of the gateway side by side, to judge a change of a fraction of a millisecond.
 * The base is the gateway's code at `BENCH_AB_BASE` (a git ref, default `HEAD`), the candidate the
 * working tree; both run with the working tree's `wrangler.toml` and migrations, next to the bare
 * Worker of the `proxy` suite, on one simulator. Each is called one at a time on its own workerd
 * socket, in turns of ten requests, for a miss (cache off), a cache HIT and a stream's first token; the
 * table gives latency (p50 and the mean of the fastest 80 %) and the workerd CPU per request over the
 * same turns. One at a time the latency gap between two Workers follows their CPU gap (see
 * docs/benchmarks.md). Two launches of one build differ by up to 0.3 ms for a whole run, so the three
 * Workers are launched `BENCH_AB_LAUNCHES` times (3) and each launch's difference is printed: a change
 * is judged by a difference that keeps its sign across launches. `BENCH_AB_BASE=HEAD` with a clean
 * working tree is an A/A run, the noise to compare with.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { bootstrapTenant, type Gateway, launchGateway } from "../../launch";
import { PROJECT_ROOT } from "../../launch/wrangler-env";
import { summarize } from "../measure";
import { workerdProcesses } from "../realtime-procs";
import { benchEnvironment } from "../report";
import { type BenchContext, type BenchRow, type BenchSuite, msRow, type SuiteResult } from "../suite";
import { cpuPerRequest, inTurns, poolTurns, type TurnResult } from "../turns";
import { timeToFirstToken } from "./proxy";

const MODEL = "gpt-4o-mini";
const BARE_WORKER = join(PROJECT_ROOT, "tools/bench/proxy-bare/worker.js");
const PARAMETERS = {
  /** Requests of each kind per target, over all launches. */
  count: Number(process.env.BENCH_AB_COUNT) || 540,
  /**
   * Fresh launches of the three Workers. Two launches of one build differ by up to 0.3 ms of CPU per
   * request for a whole run (likeliest cause: V8 optimises each isolate's code its own way), more than
   * 540 requests do by chance: only a difference that holds across launches is the change's.
   */
  launches: Number(process.env.BENCH_AB_LAUNCHES) || 3,
  warmup: 60,
  turn: 10,
  streamChunkDelayMs: 20,
};
type Kind = "miss" | "hit" | "ttft";
const KINDS: readonly Kind[] = ["miss", "hit", "ttft"];

/** The base's code (src/ and durable-objects/ at `ref`) under the project, so it resolves the project's packages. */
function extractBase(ref: string): { dir: string; sha: string } {
  const sha = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: PROJECT_ROOT })
    .toString()
    .trim();
  const dir = join(PROJECT_ROOT, ".bench-ab", sha);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync("git", ["archive", "--format=tar", sha, "src", "durable-objects"], {
    cwd: PROJECT_ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", dir], { input: tar });
  return { dir, sha };
}

/** Trimmed mean: the fastest 80 % of the samples, so a stall of the shared machine does not decide it. */
function fastMean(samples: number[]): number {
  const kept = [...samples].sort((a, b) => a - b).slice(0, Math.max(1, Math.floor(samples.length * 0.8)));
  return kept.reduce((sum, x) => sum + x, 0) / kept.length;
}

interface Target {
  name: string;
  pid: number;
  calls: Record<Kind, (i: number) => Promise<number>>;
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

/** A gateway's calls: a tenant with the cache off for misses and streams, one with it on for the HIT. */
async function gatewayTarget(name: string, worker: Gateway, pid: number): Promise<Target> {
  const url = worker.directUrl ?? worker.url;
  const plain = await bootstrapTenant(worker.url, worker.adminToken, `ab-${name}`);
  const cached = await bootstrapTenant(worker.url, worker.adminToken, `ab-${name}-cache`);
  const res = await fetch(`${worker.url}/admin/tenants/${cached.tenantId}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${worker.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ settings: { cache: { mode: "exact" } } }),
  });
  if (!res.ok) throw new Error(`Turning the cache on answered ${res.status}: ${await res.text()}`);
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: plain.apiKey, maxRetries: 0 });
  const hits = new OpenAI({ baseURL: `${url}/v1`, apiKey: cached.apiKey, maxRetries: 0 });
  return { name, pid, calls: callsOf(name, client, hits) };
}

function callsOf(name: string, client: OpenAI, hits: OpenAI, streams = client): Target["calls"] {
  const ask = (c: OpenAI, content: string) =>
    c.chat.completions.create({ model: MODEL, messages: [{ role: "user", content }], max_tokens: 32 });
  return {
    miss: (i) => timed(() => ask(client, `${name} miss ${i}`)),
    hit: () => timed(() => ask(hits, "the same question every time")),
    ttft: (i) => timeToFirstToken(streams, `${name} stream`, i),
  };
}

/** The bare Worker: its miss, its answer from memory (the floor of a HIT), its stream read in JavaScript. */
function bareTarget(worker: Gateway, pid: number): Target {
  const url = worker.directUrl ?? worker.url;
  const sdk = (path: string) => new OpenAI({ baseURL: `${url}${path}`, apiKey: "unused", maxRetries: 0 });
  return { name: "bare", pid, calls: callsOf("bare", sdk("/v1"), sdk("/static/v1"), sdk("/piped/v1")) };
}

function rows(results: Map<string, TurnResult>): BenchRow[] {
  const label: Record<Kind, string> = { miss: "miss", hit: "cache HIT", ttft: "stream, first token" };
  const of = (name: string, kind: Kind) => {
    const m = results.get(`${name}.${kind}`);
    if (!m) return { p50: Number.NaN, fast: Number.NaN, cpu: Number.NaN };
    return { p50: summarize(m.samples).p50, fast: fastMean(m.samples), cpu: cpuPerRequest(m) };
  };
  return KINDS.flatMap((kind) => {
    const [base, candidate, bare] = [of("base", kind), of("candidate", kind), of("bare", kind)];
    return [
      msRow(`${label[kind]}: latency p50`, base.p50, candidate.p50),
      msRow(`${label[kind]}: latency, mean of the fastest 80%`, base.fast, candidate.fast),
      msRow(`${label[kind]}: workerd CPU per request`, base.cpu, candidate.cpu),
      msRow(`${label[kind]}: candidate over the bare Worker, fastest-80% mean`, bare.fast, candidate.fast),
      msRow(`${label[kind]}: candidate over the bare Worker, CPU per request`, bare.cpu, candidate.cpu),
    ];
  });
}

/** One launch of the three Workers, measured, then stopped. */
async function measureLaunch(baseDir: string, ctx: BenchContext): Promise<Map<string, TurnResult>> {
  const workers: Gateway[] = [];
  try {
    const first = await launchGateway({
      entrypoint: join(baseDir, "src/index.ts"),
      vars: { LOG_LEVEL: "warn" },
      simulatorConfig: { streamChunkDelayMs: PARAMETERS.streamChunkDelayMs },
    });
    workers.push(first);
    const sim = first.simulator;
    if (!sim) throw new Error("The ab suite needs the bundled simulator.");
    const upstream = { baseUrl: sim.url, apiKey: sim.state.config.apiKey ?? "sk-sim-edgegate" };
    const candidate = await launchGateway({ upstream, vars: { LOG_LEVEL: "warn" } });
    workers.push(candidate);
    const bare = await launchGateway({ entrypoint: BARE_WORKER, upstream, vars: { LOG_LEVEL: "warn" } });
    workers.push(bare);
    const taken = new Set<number>();
    const pidOfWorker = (worker: Gateway) => {
      const procs = workerdProcesses(worker.port, taken);
      taken.add(procs.gateway.pid);
      taken.add(procs.proxy.pid);
      return procs.gateway.pid;
    };
    const targets = [
      await gatewayTarget("base", first, pidOfWorker(first)),
      await gatewayTarget("candidate", candidate, pidOfWorker(candidate)),
      bareTarget(bare, pidOfWorker(bare)),
    ];
    const count = Math.ceil(PARAMETERS.count / PARAMETERS.launches / PARAMETERS.turn) * PARAMETERS.turn;
    ctx.progress(`  ${PARAMETERS.warmup} of each to warm up, then ${count}, one at a time in turns`);
    const calls = Object.fromEntries(
      targets.flatMap((target) =>
        KINDS.map((kind) => [`${target.name}.${kind}`, target.calls[kind]] as const),
      ),
    );
    const pids = new Map(targets.map((target) => [target.name, target.pid]));
    const pidOf = (name: string) => pids.get(name.slice(0, name.indexOf("."))) ?? Number.NaN;
    const { turn } = PARAMETERS;
    await inTurns(calls, { count: PARAMETERS.warmup, turn, first: 0, pidOf });
    return await inTurns(calls, { count, turn, first: 1_000_000, pidOf });
  } finally {
    for (const worker of workers.reverse()) await worker.close();
  }
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  const ref = process.env.BENCH_AB_BASE || "HEAD";
  const base = extractBase(ref);
  const results = new Map<string, TurnResult>();
  /** Per launch, candidate minus base: CPU per request and fastest-80% mean, per kind. */
  const perLaunch: Record<string, { cpu: number; latency: number }>[] = [];
  try {
    for (let launch = 1; launch <= PARAMETERS.launches; launch++) {
      ctx.progress(
        `Launch ${launch} of ${PARAMETERS.launches}: the base (${ref}, ${base.sha.slice(0, 12)}), the working tree and the bare Worker…`,
      );
      const measured = await measureLaunch(base.dir, ctx);
      const differences: (typeof perLaunch)[number] = {};
      for (const kind of KINDS) {
        const [b, c] = [measured.get(`base.${kind}`), measured.get(`candidate.${kind}`)];
        differences[kind] = {
          cpu: cpuPerRequest(c) - cpuPerRequest(b),
          latency: fastMean(c?.samples ?? []) - fastMean(b?.samples ?? []),
        };
      }
      perLaunch.push(differences);
      poolTurns(results, measured);
    }
  } finally {
    rmSync(base.dir, { recursive: true, force: true });
  }
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
  return {
    labels: { baseline: `base (${ref})`, candidate: "working tree" },
    environment: {
      ...(await benchEnvironment()),
      base: `${ref} = ${base.sha}`,
      workers: "base, working tree and bare Worker via unstable_startWorker, each called on its own socket",
      upstream: "bundled OpenAI simulator, in the benchmark's own Node process",
    },
    parameters: PARAMETERS,
    rows: rows(results),
    details: {
      summaries: Object.fromEntries(
        [...results].map(([key, m]) => [key, { ...summarize(m.samples), cpuMsPerRequest: cpuPerRequest(m) }]),
      ),
      perLaunch,
    },
    appendix: [
      "  Working tree minus base, per launch (CPU per request / fastest-80% mean, ms): a difference that",
      "  changes sign between launches is within what two launches of one build differ by.",
      ...KINDS.map(
        (kind) =>
          `    ${kind.padEnd(5)} ${perLaunch.map((d) => `${signed(d[kind]?.cpu ?? Number.NaN)} / ${signed(d[kind]?.latency ?? Number.NaN)}`).join("   ")}`,
      ),
    ].join("\n"),
  };
}

export const abSuite: BenchSuite = {
  name: "ab",
  description:
    "two builds (BENCH_AB_BASE, default HEAD, and the working tree) one at a time: latency and CPU per request",
  run,
};
