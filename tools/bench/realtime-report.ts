/** Turns the Realtime benchmark's raw measurements into the comparison rows and a summary. */
import { type LatencySummary, summarize } from "./measure";
import { type FanOutResult, FRAME_MS, type MemoryResult } from "./realtime-load";
import type { BenchRow } from "./suite";

/** Fan-out at one N, pooled over its repetitions. */
export interface FanOutSummary {
  sessions: number;
  summary: LatencySummary;
  frames: number;
  /** CPU ms per frame round trip, per process. */
  cpuPerFrameMs: Record<string, number>;
  /** Stalls (`countStalls`) per second of measuring. */
  stallsPerSecond: number;
}

export interface TargetRun {
  small: LatencySummary;
  audio: LatencySummary;
  fanOut: FanOutSummary[];
}

/** Frame round trips above this are too slow for a conversation; the largest N under it is reported. */
export const P99_CEILING_MS = 50;

/** A frame round trip above this is delayed (the direct path's p99 stays under 1 ms up to 50 sessions). */
export const STALL_MS = 5;

/**
 * Moments when the frames of many sessions were delayed together: the process relaying them stopped
 * (a garbage collection, say), not one session. Delayed frames sent less than half a frame period apart
 * form a cluster; a cluster with frames of at least half the sessions is a stall.
 */
export function countStalls(run: FanOutResult): number {
  const delayed = run.sentAt
    .map((at, i) => ({ at, session: run.sessionOf[i] ?? -1 }))
    .filter((_, i) => (run.samples[i] ?? 0) > STALL_MS)
    .sort((a, b) => a.at - b.at);
  const enough = Math.max(1, run.sessions / 2);
  let stalls = 0;
  let sessions = new Set<number>();
  let last = Number.NEGATIVE_INFINITY;
  for (const { at, session } of delayed) {
    if (at - last > FRAME_MS / 2) {
      if (sessions.size >= enough) stalls++;
      sessions = new Set();
    }
    sessions.add(session);
    last = at;
  }
  return sessions.size >= enough ? stalls + 1 : stalls;
}

export function poolFanOut(runs: FanOutResult[]): FanOutSummary {
  const samples = runs.flatMap((r) => r.samples);
  const cpuPerFrameMs: Record<string, number> = {};
  for (const run of runs) {
    for (const [name, ms] of Object.entries(run.cpuMs)) cpuPerFrameMs[name] = (cpuPerFrameMs[name] ?? 0) + ms;
  }
  for (const name of Object.keys(cpuPerFrameMs))
    cpuPerFrameMs[name] = (cpuPerFrameMs[name] ?? 0) / Math.max(1, samples.length);
  return {
    sessions: runs[0]?.sessions ?? 0,
    summary: summarize(samples),
    frames: samples.length,
    cpuPerFrameMs,
    stallsPerSecond:
      runs.reduce((sum, r) => sum + countStalls(r), 0) /
      Math.max(0.001, runs.reduce((sum, r) => sum + r.durationMs, 0) / 1000),
  };
}

export function rows(direct: TargetRun, gateways: [string, TargetRun][], sessions: number[]): BenchRow[] {
  const out: BenchRow[] = [];
  const row = (
    metric: string,
    pick: (r: TargetRun) => number | undefined,
    run: TargetRun,
    unit: BenchRow["unit"] = "ms",
  ) => {
    const baseline = pick(direct);
    const candidate = pick(run);
    if (baseline !== undefined && candidate !== undefined)
      out.push({ metric, unit, better: "lower", baseline, candidate });
  };
  const at = (r: TargetRun, n: number) => r.fanOut.find((f) => f.sessions === n);
  for (const [via, run] of gateways) {
    row(`RTT p50, 35 B event, ${via}`, (r) => r.small.p50, run);
    row(`RTT p99, 35 B event, ${via}`, (r) => r.small.p99, run);
    row(`RTT p50, 100 ms audio frame, ${via}`, (r) => r.audio.p50, run);
    row(`RTT p99, 100 ms audio frame, ${via}`, (r) => r.audio.p99, run);
    for (const n of sessions) {
      row(`fan-out p50, ${n} sessions, ${via}`, (r) => at(r, n)?.summary.p50, run);
      row(`fan-out p99, ${n} sessions, ${via}`, (r) => at(r, n)?.summary.p99, run);
      row(
        `fan-out stalls (most sessions > ${STALL_MS} ms at once), ${n} sessions, ${via}`,
        (r) => at(r, n)?.stallsPerSecond,
        run,
        "stalls/s",
      );
    }
    for (const n of sessions) {
      row(`CPU per frame round trip, all processes, ${n} sessions, ${via}`, (r) => totalCpu(r, n), run);
    }
  }
  return out;
}

/** CPU ms per frame round trip summed over every process measured (client, simulator, workerd). */
function totalCpu(run: TargetRun, sessions: number): number | undefined {
  const cpu = run.fanOut.find((f) => f.sessions === sessions)?.cpuPerFrameMs;
  return cpu && Object.values(cpu).reduce((sum, ms) => sum + ms, 0);
}

/** The largest N whose frame round trip p99 stayed under the ceiling. */
export function largestN(run: TargetRun): number {
  return Math.max(0, ...run.fanOut.filter((f) => f.summary.p99 < P99_CEILING_MS).map((f) => f.sessions));
}

export function summaryLines(
  direct: TargetRun,
  gateways: [string, TargetRun][],
  /** Memory per session of each Worker measured (the gateway, the bare relay). */
  memory: Record<string, MemoryResult>,
): string[] {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  const lines = [`largest N with fan-out p99 < ${P99_CEILING_MS} ms: direct ${largestN(direct)}`];
  for (const [via, run] of gateways) lines.push(`  ${via}: ${largestN(run)}`);
  const at50 = (run: TargetRun) => run.fanOut.find((f) => f.sessions === 50) ?? run.fanOut.at(-1);
  for (const [label, run] of [["direct", direct], ...gateways] as [string, TargetRun][]) {
    const cpu = at50(run)?.cpuPerFrameMs ?? {};
    const parts = Object.entries(cpu).map(([name, ms]) => `${name} ${(ms * 1000).toFixed(0)} µs`);
    lines.push(`CPU per frame round trip at N=${at50(run)?.sessions}, ${label}: ${parts.join(", ")}`);
  }
  for (const [worker, m] of Object.entries(memory)) {
    lines.push(
      `${worker} memory per session (workerd RSS over ${m.sessions} sessions, one Durable Object each): idle ${mib(m.idleBytesPerSession)}, streaming ${mib(m.activeBytesPerSession)}`,
    );
  }
  return lines;
}
