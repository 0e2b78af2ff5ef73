/**
 * The Realtime benchmark's measurements: sequential round trips on one session, real-time audio
 * fan-out over N sessions (50 frames/s each), and the gateway's memory per idle and active session.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type LatencySummary, summarize } from "./measure";
import { BenchSocket, probes, type Target } from "./realtime-client";
import { cpuMs, descendants, rssBytes } from "./realtime-procs";

/** Ms of audio per fan-out frame: 50 frames per second, as a microphone streams. */
export const FRAME_MS = 20;
const ITEM_ID = "item_bench_audio";
/** Pause after a fan-out run, so the work its closing sessions leave behind does not land in the next one. */
const SETTLE_MS = 2000;

/**
 * Round trips of one probe kind on one session per target, one probe at a time. After a warm-up the
 * targets take turns in blocks, so a busy moment of the machine hits all of them alike.
 */
export async function sequentialRtt(
  targets: Target[],
  kind: "small" | "audio",
  opts: { count: number; warmup: number; block: number },
): Promise<LatencySummary[]> {
  const sockets = await Promise.all(targets.map((t) => BenchSocket.open(t, `rtt-${kind}-${Date.now()}`)));
  try {
    await Promise.all(sockets.map((s) => s.storeAudio(ITEM_ID, 100)));
    const probe = kind === "small" ? probes.small : probes.audio(100, ITEM_ID);
    const samples: number[][] = sockets.map(() => []);
    for (const socket of sockets)
      for (let i = 0; i < opts.warmup; i++) await socket.probe(probe.frames, probe.reply);
    for (let done = 0; done < opts.count; done += opts.block) {
      for (const [index, socket] of sockets.entries()) {
        for (let i = 0; i < opts.block; i++)
          samples[index]?.push(await socket.probe(probe.frames, probe.reply));
      }
    }
    return samples.map(summarize);
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
}

/** Processes whose CPU time is charged per frame. */
export type ProcessTable = Record<string, number>;

export interface FanOutResult {
  sessions: number;
  /** Round trip of every frame sent while measuring, in ms. */
  samples: number[];
  /** When each of those frames was sent (`performance.now()`), in the same order. */
  sentAt: number[];
  /** Which session (0…sessions−1) sent each of those frames, in the same order. */
  sessionOf: number[];
  /** CPU ms each process spent while measuring. */
  cpuMs: Record<string, number>;
  /** How long the measuring window lasted. */
  durationMs: number;
}

async function openMany(target: Target, n: number, prefix: string): Promise<BenchSocket[]> {
  const sockets: BenchSocket[] = [];
  // A few at a time: opening hundreds at once measures the handshake, not the relay.
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, (_, j) =>
      BenchSocket.open(target, `${prefix}-${i + j}`),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  await Promise.all(sockets.map((s) => s.storeAudio(ITEM_ID, FRAME_MS)));
  return sockets;
}

function cpuSnapshot(processes: ProcessTable): Record<string, number> {
  const usage = process.cpuUsage();
  const out: Record<string, number> = { client: (usage.user + usage.system) / 1000 };
  for (const [name, pid] of Object.entries(processes)) {
    try {
      out[name] = cpuMs(pid);
    } catch {
      throw new Error(
        `The ${name} process (pid ${pid}) is gone: ${JSON.stringify(descendants(/workerd|openai-sim/))}`,
      );
    }
  }
  return out;
}

/**
 * `n` sessions each streaming 20 ms audio frames in real time for `durationMs` (after `warmupMs`),
 * every frame answered with 20 ms of audio; the round trip of every frame is a sample.
 */
export async function fanOut(
  target: Target,
  n: number,
  timing: { warmupMs: number; durationMs: number },
  processes: ProcessTable,
): Promise<FanOutResult> {
  const sockets = await openMany(target, n, `fan-${n}-${Date.now()}`);
  const probe = probes.audio(FRAME_MS, ITEM_ID);
  const samples: number[] = [];
  const sentAt: number[] = [];
  const sessionOf: number[] = [];
  /** Round trips of frames sent while measuring that have not come back yet. */
  const inFlight: Promise<void>[] = [];
  let measuring = false;
  let stop = false;
  let failure: unknown = null;
  const streams = sockets.map(async (socket, index) => {
    await sleep((index * FRAME_MS) / n);
    let next = performance.now();
    while (!stop && failure === null) {
      const at = performance.now();
      // A frame counts if it was sent in the window, whenever its answer comes back.
      const counted = measuring;
      const roundTrip = socket.probe(probe.frames, probe.reply).then(
        (rtt) => {
          if (!counted) return;
          samples.push(rtt);
          sentAt.push(at);
          sessionOf.push(index);
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
      if (counted) inFlight.push(roundTrip);
      next += FRAME_MS;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
  });
  await sleep(timing.warmupMs);
  const before = cpuSnapshot(processes);
  measuring = true;
  await sleep(timing.durationMs);
  measuring = false;
  const after = cpuSnapshot(processes);
  stop = true;
  await Promise.all(streams);
  await Promise.all(inFlight);
  await Promise.all(sockets.map((s) => s.close()));
  // Closed sessions write their ends to D1 right away: let that finish before the next target runs.
  await sleep(SETTLE_MS);
  if (failure !== null) throw failure;
  const cpu: Record<string, number> = {};
  for (const name of Object.keys(before)) cpu[name] = (after[name] ?? 0) - (before[name] ?? 0);
  return { sessions: n, samples, sentAt, sessionOf, cpuMs: cpu, durationMs: timing.durationMs };
}

export interface MemoryResult {
  sessions: number;
  idleBytesPerSession: number;
  activeBytesPerSession: number;
}

/**
 * Resident memory the gateway's workerd holds per session, idle and while streaming audio both ways.
 * Measured on a gateway no fan-out has run on yet: workerd keeps memory it once grew to, which would
 * hide what new sessions add.
 */
export async function memoryPerSession(target: Target, gatewayPid: number, n: number): Promise<MemoryResult> {
  await sleep(1000);
  const base = rssBytes(gatewayPid);
  const sockets = await openMany(target, n, `mem-${Date.now()}`);
  await sleep(1500);
  const idle = rssBytes(gatewayPid);
  const probe = probes.audio(FRAME_MS, ITEM_ID);
  let stop = false;
  let failure: unknown = null;
  const streams = sockets.map(async (socket) => {
    while (!stop) {
      socket.probe(probe.frames, probe.reply).catch((err: unknown) => {
        failure ??= err;
      });
      await sleep(FRAME_MS);
    }
  });
  await sleep(1000);
  // RSS swings with garbage collections while streaming: average it over two seconds.
  const readings: number[] = [];
  for (let i = 0; i < 8; i++) {
    await sleep(250);
    readings.push(rssBytes(gatewayPid));
  }
  const active = readings.reduce((sum, r) => sum + r, 0) / readings.length;
  stop = true;
  await Promise.all(streams);
  await Promise.all(sockets.map((s) => s.close()));
  if (failure !== null) throw failure;
  return {
    sessions: n,
    idleBytesPerSession: (idle - base) / n,
    activeBytesPerSession: (active - base) / n,
  };
}
