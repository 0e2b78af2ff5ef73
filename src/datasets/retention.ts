/**
 * How long captured traffic is kept: the operator's `CAPTURE_RETENTION_DAYS` for every tenant, and a
 * tenant's own `distillation.retention_days`, which may only be shorter. The cron deletes what is
 * older, in batches within a budget per run. A capture's body in R2 is encrypted with a key kept
 * only in its row, so deleting the row makes the body unreadable at once (the segment's bytes stay
 * in R2; docs/storage.md). Images the captures referenced stay in the image store (content-addressed,
 * shared with datasets). Dataset examples hold their own copies and stay.
 */
import type { Bindings } from "../platform/env";
import { log } from "../platform/log";
import {
  DAY_MS,
  deleteCapturesBefore,
  deleteDeadLettersBefore,
  deleteTenantCapturesBefore,
  tenantsPastTheirWindow,
} from "./retention-repository";

export interface PruneLimits {
  /** Rows one statement deletes. */
  batch: number;
  /** Statements one run may send; what is left waits for the next run (every 5 minutes). */
  statements: number;
  /** Wall time one run may spend deleting, so a backlog does not hold the database for long. */
  ms: number;
}

/**
 * 100 statements of 1,000 rows and at most 20 s: up to 100,000 captures a run, 330 a second with the
 * cron every 5 minutes, well within D1's 1,000 queries per invocation (the cron's other jobs share it).
 */
const DEFAULT_LIMITS: PruneLimits = { batch: 1_000, statements: 100, ms: 20_000 };

/** The operator's window in days, or null (kept until deleted) when unset or not a whole number ≥ 1. */
export function operatorRetentionDays(env: Bindings): number | null {
  const value = env.CAPTURE_RETENTION_DAYS?.trim() ?? "";
  if (!/^\d+$/.test(value)) return null;
  const days = Number(value);
  return days >= 1 ? days : null;
}

export interface PruneResult {
  completions: number;
  deadLetters: number;
  /** True when the budget ran out before everything past its window was deleted. */
  more: boolean;
}

/**
 * Deletes captures and capture dead letters past their retention; run from the cron. Tenants'
 * own windows first (a shorter window is a tenant's deliberate choice, often for privacy), then the
 * operator's for everyone, so a backlog of the latter never makes the former wait.
 */
export async function pruneCaptures(
  env: Bindings,
  nowMs: number,
  limits: PruneLimits = DEFAULT_LIMITS,
): Promise<PruneResult> {
  const db = env.DB;
  const result: PruneResult = { completions: 0, deadLetters: 0, more: false };
  let left = limits.statements;
  const deadline = Date.now() + limits.ms;
  /** Deletes batch after batch until one comes back short; false when the budget ran out first. */
  const drain = async (deleteBatch: () => Promise<number>, count: "completions" | "deadLetters") => {
    while (left > 0 && Date.now() < deadline) {
      left--;
      const deleted = await deleteBatch();
      result[count] += deleted;
      if (deleted < limits.batch) return true;
    }
    result.more = true;
    return false;
  };
  const operatorDays = operatorRetentionDays(env);
  // Only tenants with something past their window cost statements, in a new order each run, so a
  // budget spent early does not leave the same tenants waiting run after run.
  for (const t of shuffled(await tenantsPastTheirWindow(db, nowMs, operatorDays))) {
    const cutoff = nowMs - t.days * DAY_MS;
    if (
      t.completions &&
      !(await drain(() => deleteTenantCapturesBefore(db, t.id, cutoff, limits.batch), "completions"))
    )
      return result;
    if (
      t.deadLetters &&
      !(await drain(() => deleteDeadLettersBefore(db, t.id, cutoff, limits.batch), "deadLetters"))
    )
      return result;
  }
  if (operatorDays !== null) {
    const cutoff = nowMs - operatorDays * DAY_MS;
    if (!(await drain(() => deleteCapturesBefore(db, cutoff, limits.batch), "completions"))) return result;
    await drain(() => deleteDeadLettersBefore(db, null, cutoff, limits.batch), "deadLetters");
  }
  return result;
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** The cron's step: prunes, and logs what it deleted and whether more is left for the next run. */
export async function pruneCapturesLogged(env: Bindings, nowMs: number): Promise<void> {
  if (env.CAPTURE_RETENTION_DAYS && operatorRetentionDays(env) === null) {
    log(env, "error", "CAPTURE_RETENTION_DAYS is not a whole number of days ≥ 1: captures are kept", {
      value: env.CAPTURE_RETENTION_DAYS.slice(0, 40),
    });
  }
  try {
    const result = await pruneCaptures(env, nowMs);
    if (result.completions > 0 || result.deadLetters > 0 || result.more)
      log(env, "info", "captures past their retention deleted", { ...result });
  } catch (err) {
    log(env, "error", "capture retention failed", { error: String(err) });
  }
}
