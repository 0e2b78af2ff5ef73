/**
 * `realtime`: what the Realtime relay costs. The same probes go straight to the simulator and through
 * the gateway, in one run: round trips of 35-byte events and of 100 ms audio frames, real-time audio
 * fan-out over N sessions, CPU per frame of every process, and memory per session (gateway and bare relay).
 * The gateway is measured through wrangler's URL (its proxy worker in front) and through Miniflare's
 * own URL (workerd directly), next to a bare pass-through Durable Object relay (`realtime-bare-relay/`)
 * started the same way, which separates workerd's own WebSocket cost from the gateway's.
 * `REALTIME_BENCH_TRACE=<file>` appends every fan-out run's raw samples (send time, round trip) to
 * `<file>` as JSON lines, to find stalls (frames of every session delayed at once).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { bootstrapTenant, freePort, launchGateway } from "../launch";
import { PROJECT_ROOT } from "../launch/wrangler-env";
import type { LatencySummary } from "./measure";
import { bareRelayPids, launchBareRelay, workerdPids } from "./realtime-bare";
import type { Target } from "./realtime-client";
import { type FanOutResult, fanOut, memoryPerSession, sequentialRtt } from "./realtime-load";
import { poolFanOut, rows, summaryLines, type TargetRun } from "./realtime-report";
import { answers, currentWorkerd, workerTarget } from "./realtime-targets";
import type { BenchContext, BenchSuite, SuiteResult } from "./suite";

const SIM_KEY = "sk-sim-edgegate";
const FANOUT_SESSIONS = (process.env.REALTIME_BENCH_SESSIONS ?? "1,10,25,50,100,150,200")
  .split(",")
  .map(Number);
const PARAMETERS = {
  rttCount: 2000,
  rttWarmup: 300,
  rttBlock: 100,
  // Covers session setup, which includes each session's first D1 flush 1 s after `session.created`
  // (measured apart: see docs/benchmarks.md), so the window holds steady streaming only.
  fanOutWarmupMs: 2000,
  fanOutDurationMs: 2500,
  fanOutRepetitions: 2,
  frameMs: 20,
  memorySessions: 100,
  fanOutSessions: FANOUT_SESSIONS.join(" "),
};

/** The simulator in its own process, so its CPU is measured apart from the benchmark client's. */
async function startSimulatorProcess(): Promise<{ child: ChildProcess; origin: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "tools/openai-sim/main.ts")], {
    env: { ...process.env, PORT: String(port) },
    stdio: "ignore",
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await answers(`${origin}/__sim/health`)) return { child, origin };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error("The simulator process did not start.");
}

interface Runner {
  /** Resolved again for every attempt: a reloaded gateway listens on a new port. */
  resolve(): Promise<{ target: Target; processes: Record<string, number> }>;
}

/** How often a measurement is repeated because the gateway reloaded in the middle of it. */
const MAX_ATTEMPTS = 3;

/**
 * Runs a measurement again when the gateway's workerd was replaced while it ran: wrangler reloads
 * the Worker whenever a source file changes, which on a shared machine can happen at any time.
 */
async function stable<T>(gatewayPid: () => number, run: () => Promise<T>, ctx: BenchContext): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const before = gatewayPid();
    let failure: unknown = null;
    try {
      const result = await run();
      if (gatewayPid() === before) return result;
    } catch (err) {
      if (gatewayPid() === before) throw err;
      failure = err;
    }
    if (attempt >= MAX_ATTEMPTS)
      throw new Error("The gateway kept reloading during the benchmark.", { cause: failure });
    ctx.progress(
      "  the gateway reloaded (a source file changed) during this measurement; measuring it again",
    );
  }
}

/**
 * Every measurement for every target. Targets take turns (round trips in blocks, fan-out per
 * repetition), never overlapping, so a busy moment of the shared machine hits them alike.
 */
async function measureAll(
  runners: Runner[],
  gatewayPid: () => number,
  ctx: BenchContext,
): Promise<TargetRun[]> {
  const rtt = { count: PARAMETERS.rttCount, warmup: PARAMETERS.rttWarmup, block: PARAMETERS.rttBlock };
  const targets = async () => Promise.all(runners.map(async (r) => (await r.resolve()).target));
  ctx.progress(`  ${PARAMETERS.rttCount} round trips of 35 B events per target`);
  const small = await stable(gatewayPid, async () => sequentialRtt(await targets(), "small", rtt), ctx);
  ctx.progress(`  ${PARAMETERS.rttCount} round trips of 100 ms audio frames per target`);
  const audio = await stable(gatewayPid, async () => sequentialRtt(await targets(), "audio", rtt), ctx);
  const timing = { warmupMs: PARAMETERS.fanOutWarmupMs, durationMs: PARAMETERS.fanOutDurationMs };
  const fan: FanOutResult[][][] = runners.map(() => FANOUT_SESSIONS.map(() => []));
  for (const [k, n] of FANOUT_SESSIONS.entries()) {
    ctx.progress(`  fan-out: ${n} sessions at 50 frames/s, ${PARAMETERS.fanOutRepetitions} turns per target`);
    for (let rep = 0; rep < PARAMETERS.fanOutRepetitions; rep++) {
      for (const [i, runner] of runners.entries()) {
        const result = await stable(
          gatewayPid,
          async () => {
            const { target, processes } = await runner.resolve();
            return fanOut(target, n, timing, processes);
          },
          ctx,
        );
        fan[i]?.[k]?.push(result);
        if (process.env.REALTIME_BENCH_TRACE)
          appendFileSync(process.env.REALTIME_BENCH_TRACE, `${JSON.stringify({ i, n, rep, ...result })}\n`);
      }
    }
  }
  return runners.map((_, i) => ({
    small: small[i] as LatencySummary,
    audio: audio[i] as LatencySummary,
    fanOut: (fan[i] ?? []).map(poolFanOut),
  }));
}

async function environment(): Promise<Record<string, string>> {
  const wrangler = JSON.parse(
    await readFile(join(PROJECT_ROOT, "node_modules", "wrangler", "package.json"), "utf8"),
  ) as { version: string };
  return {
    gateway: "local workerd via unstable_startWorker, inspector off",
    "wrangler URL": "through wrangler's proxy worker (its own workerd process), as `wrangler dev` serves it",
    "Miniflare URL": "straight to the workerd running the gateway",
    "bare relay":
      "a Worker and a Durable Object that only pass frames through, same path (Worker → user's Durable Object → upstream socket), Miniflare URL",
    upstream: "bundled OpenAI simulator in its own Node process",
    probes:
      "35 B: input_audio_buffer.clear → cleared; audio: append + conversation.item.retrieve → retrieved (the same audio size back)",
    node: process.version,
    wrangler: wrangler.version,
    "load average at start (1, 5, 15 min)": loadavg()
      .map((l) => l.toFixed(2))
      .join(", "),
    machine: `${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"})`,
  };
}

/** Runs the whole comparison; also usable on its own (`runRealtimeBench()`). */
export async function runRealtimeBench(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Starting the simulator process and the gateway…");
  const env = await environment();
  const sim = await startSimulatorProcess();
  const upstream = { baseUrl: `${sim.origin}/v1`, apiKey: SIM_KEY };
  const gateway = await launchGateway({ upstream, vars: { LOG_LEVEL: "warn" } });
  const bare = await launchBareRelay(upstream).catch(async (err: unknown) => {
    await gateway.close();
    throw err;
  });
  try {
    const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "bench-realtime");
    // The two Workers' processes, told apart again whenever a target is resolved (wrangler may restart them).
    let bareOnes = await bareRelayPids(bare);
    const ofBare = async () => {
      bareOnes = await bareRelayPids(bare);
      return bareOnes;
    };
    const notBare = () => new Set(workerdPids().filter((pid) => !bareOnes.has(pid)));
    const gatewayPid = () => currentWorkerd(gateway.port, bareOnes)?.gateway.pid ?? -1;
    const simulator = { simulator: sim.child.pid ?? 0 };
    const common = { apiKey, simulatorPid: simulator.simulator };
    const viaGateway = (label: string, miniflare: boolean) =>
      workerTarget({
        ...common,
        name: "gateway",
        label,
        proxyPort: gateway.port,
        miniflare,
        ignore: ofBare,
      });
    const viaBare = () =>
      workerTarget({
        ...common,
        name: "bare relay",
        label: "bare relay",
        proxyPort: bare.port,
        miniflare: true,
        ignore: async () => {
          await ofBare();
          return notBare();
        },
      });
    const direct: Target = {
      label: "direct",
      origin: sim.origin.replace(/^http/, "ws"),
      headers: () => ({ authorization: `Bearer ${SIM_KEY}` }),
    };
    ctx.progress(`  memory: ${PARAMETERS.memorySessions} sessions idle, then streaming (before any fan-out)`);
    const memory = await stable(
      gatewayPid,
      async () => {
        const now = await viaGateway("memory", true);
        return memoryPerSession(now.target, now.gatewayPid, PARAMETERS.memorySessions);
      },
      ctx,
    );
    const bareNow = await viaBare();
    const bareMemory = await memoryPerSession(bareNow.target, bareNow.gatewayPid, PARAMETERS.memorySessions);
    const [directRun, miniflare, bareRun, wranglerRun] = (await measureAll(
      [
        { resolve: async () => ({ target: direct, processes: simulator }) },
        { resolve: () => viaGateway("gateway, Miniflare URL", true) },
        { resolve: viaBare },
        { resolve: () => viaGateway("gateway, wrangler URL", false) },
      ],
      gatewayPid,
      ctx,
    )) as [TargetRun, TargetRun, TargetRun, TargetRun];
    const gateways: [string, TargetRun][] = [
      ["Miniflare URL", miniflare],
      ["bare relay, Miniflare URL", bareRun],
      ["wrangler URL", wranglerRun],
    ];
    const summary = summaryLines(directRun, gateways, { gateway: memory, "bare relay": bareMemory });
    for (const line of summary) ctx.progress(line);
    return {
      labels: { baseline: "direct", candidate: "gateway" },
      environment: { ...env, "load average at end": loadavg()[0]?.toFixed(2) ?? "?" },
      parameters: PARAMETERS,
      rows: rows(directRun, gateways, FANOUT_SESSIONS),
      details: {
        summary,
        direct: directRun,
        miniflare,
        bare: bareRun,
        wrangler: wranglerRun,
        memory,
        bareMemory,
      },
    };
  } finally {
    await bare.close();
    await gateway.close();
    sim.child.kill();
  }
}

export const realtimeSuite: BenchSuite = {
  name: "realtime",
  description:
    "Realtime relay: RTT of small events and audio frames, real-time fan-out, CPU and memory per session",
  run: runRealtimeBench,
};
