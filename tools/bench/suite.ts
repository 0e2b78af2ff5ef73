/** What a benchmark suite is: registered by name in `suites.ts`, run by `main.ts`. */

/** One measured quantity, for the baseline (e.g. straight to the simulator) and the candidate (the gateway). */
export interface BenchRow {
  metric: string;
  unit: "ms" | "req/s" | "stalls/s" | "MB" | "bytes" | "captures";
  /** Which direction is an improvement; decides how the difference is phrased. */
  better: "lower" | "higher";
  baseline: number;
  candidate: number;
  /** The aim, as a difference or ratio to the baseline (`+0.5 ms`, `x0.8`), printed beside it. */
  target?: string | undefined;
}

/** A row of milliseconds, lower is better (a missing figure is NaN, printed as such). */
export const msRow = (
  metric: string,
  baseline = Number.NaN,
  candidate = Number.NaN,
  target?: string,
): BenchRow => ({ metric, unit: "ms", better: "lower", baseline, candidate, target });

export interface SuiteResult {
  /** Column titles for the baseline and the candidate, e.g. `direct` and `gateway`. */
  labels: { baseline: string; candidate: string };
  /** How the numbers were produced (runtime, versions, machine), printed above the table. */
  environment: Record<string, string>;
  /** The knobs of this run (concurrency, durations, counts). */
  parameters: Record<string, number | string>;
  rows: BenchRow[];
  /** Anything else worth keeping in the JSON (full latency summaries). */
  details?: Record<string, unknown>;
  /** Text printed under the table (CPU profiles' top entries). */
  appendix?: string;
}

export interface BenchContext {
  /** Progress output (stderr), kept apart from the result table. */
  progress(message: string): void;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<SuiteResult>;
}
