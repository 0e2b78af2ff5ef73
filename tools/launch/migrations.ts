import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * A new, empty persist folder with `migrations/*.sql` applied, copied from a template migrated once
 * per machine, wrangler version and set of migration files (the folder name carries a hash of them):
 * applying them runs wrangler in a child process (seconds of CPU), copying the migrated database
 * takes milliseconds. Each launch of the tests starts from this same state, so a copy is what
 * `applyMigrations` would have made.
 */
export async function freshMigratedState(persistDir: string): Promise<void> {
  await cp(await migratedTemplate(), persistDir, { recursive: true });
}

async function migratedTemplate(): Promise<string> {
  const template = join(tmpdir(), `edgegate-d1-template-${userTag()}-${await migrationsHash()}`);
  if (existsSync(template)) return template;
  const building = await mkdtemp(`${template}.building-`);
  try {
    await applyMigrations(building);
    // Another launch may have finished first: its template is the same, keep whichever is there.
    await rename(building, template).catch(() => undefined);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return template;
}

async function migrationsHash(): Promise<string> {
  const dir = join(PROJECT_ROOT, "migrations");
  const hash = createHash("sha256");
  // The database's files are written by wrangler's Miniflare: another version may lay them out anew.
  hash.update(await readFile(join(PROJECT_ROOT, "node_modules", "wrangler", "package.json")));
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort()) {
    hash
      .update(name)
      .update("\0")
      .update(await readFile(join(dir, name)))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

const userTag = () => String(process.getuid?.() ?? "user");
