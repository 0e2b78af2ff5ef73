/** Closed-loop load generation and latency statistics for the benchmarks. */

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

export interface LoadResult {
  /** One sample (ms) per completed task. */
  samples: number[];
  elapsedMs: number;
  /** Completed tasks per second over the measured window. */
  throughput: number;
  summary: LatencySummary;
}

export interface LoadOptions {
  concurrency: number;
  /** Stop starting tasks after this long… */
  durationMs?: number;
  /** …or after this many tasks, whichever comes first. */
  count?: number;
}

/** Nearest-rank percentile of ascending `sorted` samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? total / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/**
 * Runs `task` from `concurrency` workers, each starting its next task when the previous one ends,
 * until the duration or count is reached. `task(i)` returns its own sample in ms (a latency or a
 * time to first token). Any failure aborts the run: a benchmark with errors measures nothing.
 */
export async function closedLoop(
  opts: LoadOptions,
  task: (i: number) => Promise<number>,
): Promise<LoadResult> {
  if (opts.durationMs === undefined && opts.count === undefined) {
    throw new Error("closedLoop needs a durationMs or a count.");
  }
  const samples: number[] = [];
  const started = performance.now();
  const deadline = started + (opts.durationMs ?? Number.POSITIVE_INFINITY);
  const limit = opts.count ?? Number.POSITIVE_INFINITY;
  let next = 0;
  const worker = async () => {
    while (next < limit && performance.now() < deadline) {
      samples.push(await task(next++));
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return { samples, elapsedMs, throughput: (samples.length / elapsedMs) * 1000, summary: summarize(samples) };
}

/** The duration of `fn` in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
