/**
 * The SQL of capture retention (src/datasets/retention.ts): batched deletes of captured completions
 * and capture dead letters past a cutoff, and the tenants whose own window has something to delete.
 * Each delete answers how many rows it removed; a batch is at most `limit` rows.
 */

export const DAY_MS = 86_400_000;

/** Deletes up to `limit` captures of any tenant created before `cutoffMs`, oldest first (`stored_completions_age`). */
export async function deleteCapturesBefore(db: D1Database, cutoffMs: number, limit: number): Promise<number> {
  const { meta } = await db
    .prepare(
      `DELETE FROM stored_completions WHERE seq IN
         (SELECT seq FROM stored_completions WHERE created_ms < ?1 ORDER BY created_ms, seq LIMIT ?2)`,
    )
    .bind(cutoffMs, limit)
    .run();
  return meta.changes;
}

/** Deletes up to `limit` of one tenant's captures created before `cutoffMs` (`stored_completions_list`). */
export async function deleteTenantCapturesBefore(
  db: D1Database,
  tenantId: string,
  cutoffMs: number,
  limit: number,
): Promise<number> {
  const { meta } = await db
    .prepare(
      `DELETE FROM stored_completions WHERE seq IN
         (SELECT seq FROM stored_completions
          WHERE tenant_id = ?1 AND kind IN ('chat', 'responses') AND created_ms < ?2 LIMIT ?3)`,
    )
    .bind(tenantId, cutoffMs, limit)
    .run();
  return meta.changes;
}

/**
 * Deletes up to `limit` capture dead letters created before `cutoffMs`: one tenant's (through
 * `capture_dead_letters_tenant`), or everyone's (a scan: dead letters are few, captures D1 refused).
 */
export async function deleteDeadLettersBefore(
  db: D1Database,
  tenantId: string | null,
  cutoffMs: number,
  limit: number,
): Promise<number> {
  const statement =
    tenantId === null
      ? db
          .prepare(
            `DELETE FROM capture_dead_letters WHERE id IN
               (SELECT id FROM capture_dead_letters WHERE created_at < ?1 LIMIT ?2)`,
          )
          .bind(cutoffMs, limit)
      : db
          .prepare(
            `DELETE FROM capture_dead_letters WHERE id IN
               (SELECT id FROM capture_dead_letters WHERE tenant_id = ?1 AND created_at < ?2 LIMIT ?3)`,
          )
          .bind(tenantId, cutoffMs, limit);
  const { meta } = await statement.run();
  return meta.changes;
}

export interface TenantWindow {
  id: string;
  /** The tenant's `distillation.retention_days`. */
  days: number;
  /** Whether it has captures, and capture dead letters, older than its window (1 or 0). */
  completions: number;
  deadLetters: number;
}

/**
 * Tenants whose own `distillation.retention_days` is shorter than `operatorDays` (any, when the
 * operator set none) and that have something older than it: one query, an index probe per tenant.
 */
export async function tenantsPastTheirWindow(
  db: D1Database,
  nowMs: number,
  operatorDays: number | null,
): Promise<TenantWindow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, days,
         EXISTS (SELECT 1 FROM stored_completions s WHERE s.tenant_id = w.id
                   AND s.kind IN ('chat', 'responses') AND s.created_ms < ?1 - w.days * ${DAY_MS}) AS completions,
         EXISTS (SELECT 1 FROM capture_dead_letters d WHERE d.tenant_id = w.id
                   AND d.created_at < ?1 - w.days * ${DAY_MS}) AS deadLetters
       FROM (SELECT id, json_extract(settings, '$.distillation.retention_days') AS days FROM tenants
             WHERE json_type(settings, '$.distillation.retention_days') = 'integer') AS w
       WHERE w.days >= 1 AND (?2 IS NULL OR w.days < ?2)`,
    )
    .bind(nowMs, operatorDays)
    .all<TenantWindow>();
  return results.filter((t) => t.completions || t.deadLetters);
}
