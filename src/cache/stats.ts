/** What one response adds to a tenant's cache counters. */
export interface StatsDelta {
  hits?: number;
  semanticHits?: number;
  coalesced?: number;
  misses?: number;
  bypasses?: number;
  inputTokensSaved?: number;
  outputTokensSaved?: number;
  costSavedUsd?: number;
  upstreamCachedTokens?: number;
  upstreamInputTokens?: number;
  shadowChecks?: number;
  shadowFalseHits?: number;
}

const COLUMNS = [
  ["hits", "hits"],
  ["semanticHits", "semantic_hits"],
  ["coalesced", "coalesced"],
  ["misses", "misses"],
  ["bypasses", "bypasses"],
  ["inputTokensSaved", "input_tokens_saved"],
  ["outputTokensSaved", "output_tokens_saved"],
  ["costSavedUsd", "cost_saved_usd"],
  ["upstreamCachedTokens", "upstream_cached_tokens"],
  ["upstreamInputTokens", "upstream_input_tokens"],
  ["shadowChecks", "shadow_checks"],
  ["shadowFalseHits", "shadow_false_hits"],
] as const satisfies readonly (readonly [keyof StatsDelta, string])[];

const UPSERT = `INSERT INTO cache_stats (tenant_id, day, ${COLUMNS.map(([, c]) => c).join(", ")})
  VALUES (?, ?, ${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (tenant_id, day) DO UPDATE SET ${COLUMNS.map(([, c]) => `${c} = ${c} + excluded.${c}`).join(", ")}`;

export type StatsTotals = Record<(typeof COLUMNS)[number][1], number>;

/** Totals over all days, optionally from a day (`YYYY-MM-DD`) on. */
export async function readStats(db: D1Database, tenantId: string, since?: string): Promise<StatsTotals> {
  const sums = COLUMNS.map(([, c]) => `COALESCE(SUM(${c}), 0) AS ${c}`).join(", ");
  const row = await db
    .prepare(`SELECT ${sums} FROM cache_stats WHERE tenant_id = ? AND day >= ?`)
    .bind(tenantId, since ?? "0000-00-00")
    .first<StatsTotals>();
  return row ?? (Object.fromEntries(COLUMNS.map(([, c]) => [c, 0])) as StatsTotals);
}

const pending = new Map<string, StatsDelta>();
let flushScheduled = false;

function merge(into: StatsDelta, delta: StatsDelta): void {
  for (const [k] of COLUMNS) into[k] = (into[k] ?? 0) + (delta[k] ?? 0);
}

async function flush(db: D1Database): Promise<void> {
  flushScheduled = false;
  const batch = [...pending.entries()];
  pending.clear();
  if (batch.length === 0) return;
  try {
    const day = new Date().toISOString().slice(0, 10);
    await db.batch(
      batch.map(([tenantId, delta]) =>
        db.prepare(UPSERT).bind(tenantId, day, ...COLUMNS.map(([k]) => delta[k] ?? 0)),
      ),
    );
  } catch {
    // Counters are kept for the next flush rather than lost.
    for (const [tenantId, delta] of batch) {
      const current = pending.get(tenantId) ?? {};
      merge(current, delta);
      pending.set(tenantId, current);
    }
  }
}

/**
 * Adds to a tenant's counters without a D1 write per request: deltas are summed in the isolate and
 * written together `flushAfterMs` later (one batch for every tenant seen meanwhile).
 */
export function queueStats(
  db: D1Database,
  waitUntil: (p: Promise<unknown>) => void,
  tenantId: string,
  delta: StatsDelta,
  flushAfterMs: number,
): void {
  const current = pending.get(tenantId) ?? {};
  merge(current, delta);
  pending.set(tenantId, current);
  if (flushScheduled) return;
  flushScheduled = true;
  waitUntil(new Promise((resolve) => setTimeout(resolve, flushAfterMs)).then(() => flush(db)));
}
