/**
 * Where the project lives and the environment that keeps wrangler offline and self-contained:
 * no metrics, no error reports, no `cf.json` download, and its config/cache under the project.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the folder holding `wrangler.toml`). */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const WRANGLER_CONFIG = join(PROJECT_ROOT, "wrangler.toml");
export const WRANGLER_BIN = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export type OfflineWranglerEnv = Record<
  | "WRANGLER_SEND_METRICS"
  | "WRANGLER_HIDE_BANNER"
  | "WRANGLER_SEND_ERROR_REPORTS"
  | "CLOUDFLARE_CF_FETCH_ENABLED"
  | "XDG_CONFIG_HOME",
  string
>;

/**
 * Variables wrangler and miniflare read to work without network access. `XDG_CONFIG_HOME` keeps
 * wrangler's global config (and its metrics consent file) in the git-ignored `.xdg/` unless the
 * caller chose a folder.
 */
export function offlineWranglerEnv(base: NodeJS.ProcessEnv = process.env): OfflineWranglerEnv {
  return {
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    XDG_CONFIG_HOME: base.XDG_CONFIG_HOME || join(PROJECT_ROOT, ".xdg"),
  };
}

/**
 * Puts the offline variables into this process, where the in-process `unstable_startWorker` reads
 * them. Call it before importing wrangler.
 */
export function applyOfflineWranglerEnv(): void {
  const vars = offlineWranglerEnv();
  mkdirSync(vars.XDG_CONFIG_HOME, { recursive: true });
  Object.assign(process.env, vars);
}
