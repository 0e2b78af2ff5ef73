/**
 * One request at a time, the calls of several Workers taking turns: what a single caller sees
 * without queueing on two shared cores, with a busy moment of the machine falling on all alike, and
 * the CPU each Worker's workerd spent per request over its own turns.
 */
import { cpuMs } from "./realtime-procs";

/**
 * The order of the calls' turns in round `round`: over `2 × calls` rounds every call takes every place,
 * and follows every other, equally often. Place matters: in an A/A run with a fixed order, the build
 * called second was 0.3 ms faster, and its streams 1 ms cheaper in CPU, than the same build called first.
 */
export function orderOf<T>(items: readonly T[], round: number): T[] {
  const shift = Math.floor(round / 2) % items.length;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return round % 2 === 0 ? rotated : rotated.reverse();
}

/** A call's latencies (or first-token times) and the CPU its Worker spent over its turns. */
export interface TurnResult {
  samples: number[];
  cpuMs: number;
}

export interface TurnOptions {
  /** Requests of each call. */
  count: number;
  /** Requests of one call in a row before the next call's turn. */
  turn: number;
  /** Added to the request index each call is given (distinct prompts across phases). */
  first: number;
  /** The workerd process whose CPU a call's turn is counted against. */
  pidOf: (name: string) => number;
}

/**
 * Runs each of `calls` `count` times, one request at a time, in turns of `turn` requests, the order
 * of the turns changing round by round (`orderOf`). Turns of one request made every gateway request
 * follow another Worker's: its larger code and heap then start cold (about +1.7 ms on a miss), while a
 * deployed gateway serves its own requests one after another.
 */
export async function inTurns(
  calls: Readonly<Record<string, (i: number) => Promise<number>>>,
  { count, turn: requested, first, pidOf }: TurnOptions,
): Promise<Map<string, TurnResult>> {
  const out = new Map<string, TurnResult>(
    Object.keys(calls).map((name) => [name, { samples: [], cpuMs: 0 }]),
  );
  const turn = Math.max(1, Math.min(requested, count));
  for (let i = 0, round = 0; i < count; i += turn, round++) {
    for (const name of orderOf(Object.keys(calls), round)) {
      const call = calls[name];
      const result = out.get(name);
      if (!call || !result) continue;
      const before = cpuMs(pidOf(name));
      for (let j = i; j < Math.min(count, i + turn); j++) result.samples.push(await call(first + j));
      result.cpuMs += cpuMs(pidOf(name)) - before;
    }
  }
  return out;
}

/** CPU per request of a call's turns (NaN when it has none). */
export const cpuPerRequest = (result: TurnResult | undefined): number =>
  result?.samples.length ? result.cpuMs / result.samples.length : Number.NaN;

/** Adds one launch's turns to `into`, call by call: the samples pooled, the CPU summed. */
export function poolTurns(into: Map<string, TurnResult>, launch: ReadonlyMap<string, TurnResult>): void {
  for (const [name, result] of launch) {
    const pooled = into.get(name) ?? { samples: [], cpuMs: 0 };
    pooled.samples.push(...result.samples);
    pooled.cpuMs += result.cpuMs;
    into.set(name, pooled);
  }
}
