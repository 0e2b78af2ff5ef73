/**
 * Moving an install's older data to R2: bodies that D1 rows held inline (captured completions,
 * dataset examples), images KV held, and transcripts of sessions that ended before transcripts were
 * archived. Each step moves a bounded amount per call and says what remains, so the operator calls
 * `POST /admin/storage/migrate` until it answers `done` (docs/storage.md). Every step is idempotent:
 * a call cut off between its R2 write and its D1 update leaves the data where it was, and the next
 * call moves it again (the bytes written the first time are unreachable).
 */
import { migrateExampleBodies } from "../datasets/example-bodies";
import { migrateCompletionBodies } from "../datasets/migrate-bodies";
import type { Bindings } from "../platform/env";
import { archiveEndedSessions } from "../realtime/records/transcript-archive";
import { migrateKvImages } from "../vision/store";

/** What one step did in one call. */
export interface StepResult {
  moved: number;
  /** Rows or objects still to move after this call (0: the step is done). */
  remaining: number;
}

export type MigrationStep = (env: Bindings, limit: number) => Promise<StepResult>;

export const MIGRATION_STEPS = {
  captures: (env, limit) => migrateCompletionBodies(env, { limit }),
  examples: (env, limit) => migrateExampleBodies(env, limit),
  images: async (env, limit) => {
    // Moved keys are deleted, so each call lists from the start. KV cannot count keys: `remaining`
    // is what the next page holds (at most 1,000), 0 once none is left.
    const { moved, done } = await migrateKvImages(env, limit);
    if (done) return { moved, remaining: 0 };
    const next = await env.CACHE.list({ prefix: "img:", limit: 1000 });
    return { moved, remaining: next.keys.length };
  },
  transcripts: async (env, limit) => {
    const { archived, remaining } = await archiveEndedSessions(env, { graceSeconds: 60, limit });
    return { moved: archived, remaining };
  },
} satisfies Record<string, MigrationStep>;

export type StepName = keyof typeof MIGRATION_STEPS;
export const STEP_NAMES = Object.keys(MIGRATION_STEPS) as [StepName, ...StepName[]];

/** Runs the named steps (all by default) once each, in order. */
export async function migrateStorage(
  env: Bindings,
  steps: readonly StepName[],
  limit: number,
): Promise<{ name: StepName; moved: number; remaining: number }[]> {
  const results: { name: StepName; moved: number; remaining: number }[] = [];
  for (const name of steps) {
    const step: MigrationStep = MIGRATION_STEPS[name];
    results.push({ name, ...(await step(env, limit)) });
  }
  return results;
}
