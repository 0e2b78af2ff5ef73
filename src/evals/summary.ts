/** The summary of an evaluation: per model pass rate, mean score, win rate, latency and cost. */

export interface ModelResult {
  output: string;
  score: number;
  passed: boolean;
  latency_ms: number;
  cost_usd: number;
  error?: string;
}

export interface ItemResult {
  example_id: string;
  reference: string;
  results: ModelResult[];
  judge?: { swapped: boolean; reason: string };
}

export interface ModelSummary {
  model: string;
  items: number;
  errors: number;
  pass_rate: number;
  mean_score: number;
  /** Items where this model scored higher than the other, ties counting half. */
  win_rate: number;
  latency_ms_p50: number;
  latency_ms_mean: number;
  cost_usd: number;
}

const round = (n: number, places = 4) => Math.round(n * 10 ** places) / 10 ** places;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function summarise(models: readonly string[], items: readonly ItemResult[]): ModelSummary[] {
  return models.map((model, m) => {
    const mine = items.map((i) => i.results[m]).filter((r): r is ModelResult => r !== undefined);
    let wins = 0;
    for (const item of items) {
      const own = item.results[m]?.score ?? 0;
      const other = item.results[1 - m]?.score ?? 0;
      wins += own > other ? 1 : own === other ? 0.5 : 0;
    }
    const n = Math.max(mine.length, 1);
    const latencies = mine.map((r) => r.latency_ms);
    return {
      model,
      items: mine.length,
      errors: mine.filter((r) => r.error).length,
      pass_rate: round(mine.filter((r) => r.passed).length / n),
      mean_score: round(mine.reduce((s, r) => s + r.score, 0) / n),
      win_rate: round(items.length ? wins / items.length : 0),
      latency_ms_p50: round(median(latencies), 2),
      latency_ms_mean: round(latencies.reduce((s, v) => s + v, 0) / n, 2),
      cost_usd: round(
        mine.reduce((s, r) => s + r.cost_usd, 0),
        8,
      ),
    };
  });
}
