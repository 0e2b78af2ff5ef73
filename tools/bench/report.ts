/** Prints a suite's comparison table and writes its JSON under `bench/results/`. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../launch/wrangler-env";
import type { BenchRow, SuiteResult } from "./suite";

export const RESULTS_DIR = join(PROJECT_ROOT, "bench", "results");

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));

function difference(row: BenchRow): string {
  if (row.unit === "req/s") return `x${(row.candidate / row.baseline).toFixed(2)}`;
  const delta = row.candidate - row.baseline;
  const signed = `${delta >= 0 ? "+" : ""}${fmt(delta)} ${row.unit}`;
  // A count (stalls) is often zero on the baseline, where a ratio means nothing.
  return row.unit === "ms" ? `${signed} (x${(row.candidate / row.baseline).toFixed(2)})` : signed;
}

/** The result as a plain-text table, one row per metric (and a target column when a row has one). */
export function renderTable(result: SuiteResult): string {
  const targets = result.rows.some((row) => row.target !== undefined);
  const header = ["metric", result.labels.baseline, result.labels.candidate, "difference"];
  if (targets) header.push("target");
  const body = result.rows.map((row) => [
    `${row.metric} (${row.unit})`,
    fmt(row.baseline),
    fmt(row.candidate),
    difference(row),
    ...(targets ? [row.target ?? ""] : []),
  ]);
  const widths = header.map((title, col) =>
    Math.max(title.length, ...body.map((cells) => cells[col]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
      .join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...body.map(line)].join("\n");
}

/** Node, wrangler and the machine, for a suite's `environment`. */
export async function benchEnvironment(): Promise<Record<string, string>> {
  const wrangler = JSON.parse(
    await readFile(join(PROJECT_ROOT, "node_modules", "wrangler", "package.json"), "utf8"),
  ) as { version: string };
  return {
    node: process.version,
    wrangler: wrangler.version,
    machine: `${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"})`,
  };
}

export function renderEnvironment(result: SuiteResult): string {
  const entries = [...Object.entries(result.environment), ...Object.entries(result.parameters)];
  return entries.map(([key, value]) => `  ${key}: ${value}`).join("\n");
}

/** Writes `<suite>-<timestamp>.json` and `<suite>-latest.json`; returns their paths relative to the project. */
export async function writeResult(suite: string, result: SuiteResult, at: Date): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = at.toISOString().replace(/[:.]/g, "-");
  const json = `${JSON.stringify({ suite, timestamp: at.toISOString(), ...result }, null, 2)}\n`;
  const files = [join(RESULTS_DIR, `${suite}-${stamp}.json`), join(RESULTS_DIR, `${suite}-latest.json`)];
  await Promise.all(files.map((file) => writeFile(file, json)));
  return files.map((file) => relative(PROJECT_ROOT, file));
}
