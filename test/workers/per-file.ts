/**
 * Runs before each workers test file. Files that run one after another in the same workerd share its
 * storage and modules (`isolate: false` in vitest.config.ts), so each file starts on its own terms:
 * the migrated schema (applied once per database; later files find it there), a simulator scope of
 * its own, and whatever a file mocked or faked undone when it ends.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, vi } from "vitest";
import { beginFileScope } from "./helpers/sim";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
beginFileScope();

afterAll(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});
