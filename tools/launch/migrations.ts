import { spawn } from "node:child_process";
import { offlineWranglerEnv, PROJECT_ROOT, WRANGLER_BIN, WRANGLER_CONFIG } from "./wrangler-env";

const MIGRATION_TIMEOUT_MS = 60_000;

/**
 * Applies `migrations/*.sql` to the local D1 database under `persistDir`, the same folder the
 * Worker is then started with (`wrangler dev` does not apply migrations itself).
 *
 * @see https://developers.cloudflare.com/d1/reference/migrations/
 */
export async function applyMigrations(persistDir: string): Promise<void> {
  const args = [
    WRANGLER_BIN,
    "d1",
    "migrations",
    "apply",
    "DB",
    "--local",
    "--persist-to",
    persistDir,
    "--config",
    WRANGLER_CONFIG,
  ];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    // CI=true makes wrangler take the default answer instead of prompting for confirmation.
    env: { ...process.env, ...offlineWranglerEnv(), CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Killed wrangler exits 0 with the migrations half applied, so the timeout is tracked here.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGTERM");
  }, MIGRATION_TIMEOUT_MS);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  }).finally(() => clearTimeout(timer));
  if (code !== 0 || timedOut) {
    const why = timedOut
      ? `did not finish within ${MIGRATION_TIMEOUT_MS} ms`
      : signal
        ? `was killed by ${signal}`
        : `exited with code ${code}`;
    throw new Error(`Applying D1 migrations to ${persistDir} failed: wrangler ${why}.\n${output.trim()}`);
  }
}
