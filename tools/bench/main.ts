/**
 * `npm run bench [-- <suite>…]`: runs the named benchmark suites (all of them without names), prints
 * each one's table and writes its JSON to `bench/results/<suite>-<timestamp>.json` and
 * `bench/results/<suite>-latest.json`.
 */
import { renderEnvironment, renderTable, writeResult } from "./report";
import type { BenchSuite } from "./suite";
import { SUITES } from "./suites";

function listing(): string {
  return SUITES.map((s) => `  ${s.name.padEnd(10)} ${s.description}`).join("\n");
}

function pickSuites(names: string[]): BenchSuite[] {
  if (names.length === 0) return [...SUITES];
  return names.map((name) => {
    const suite = SUITES.find((s) => s.name === name);
    if (!suite) {
      console.error(`Unknown bench suite '${name}'. Available suites:\n${listing()}`);
      process.exit(2);
    }
    return suite;
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`Usage: npm run bench [-- <suite>…]\n\nSuites:\n${listing()}`);
    return;
  }
  const ctx = { progress: (message: string) => console.error(message) };
  for (const suite of pickSuites(args)) {
    ctx.progress(`Running bench suite '${suite.name}': ${suite.description}`);
    const at = new Date();
    const result = await suite.run(ctx);
    const files = await writeResult(suite.name, result, at);
    console.log(`\n${suite.name}\n${renderEnvironment(result)}\n\n${renderTable(result)}\n`);
    if (result.appendix) console.log(`${result.appendix}\n`);
    console.log(`Results: ${files.join(", ")}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
