/**
 * `isolate`: the JavaScript a request costs the gateway, measured inside workerd in a warm loop
 * (test/workers/bench/requests.bench.ts, run by vitest-pool-workers in the opt-in `isolate-bench`
 * project of vitest.config.ts). No sockets, processes or launches between client and Worker, so a
 * change of a few microseconds shows, where the `proxy` suite's launches differ by up to 0.5 ms: the
 * way to judge a cut before the `proxy` and `ab` suites judge its effect one request at a time
 * (where the same work costs several times more, cold).
 */
import { spawn } from "node:child_process";
import { PROJECT_ROOT } from "../../launch/wrangler-env";
import { summarize } from "../measure";
import { benchEnvironment } from "../report";
import { type BenchContext, type BenchSuite, msRow, type SuiteResult } from "../suite";

const MARKER = "EDGEGATE_ISOLATE ";

/** Runs the harness and answers its rounds: microseconds per request, per kind. */
async function runHarness(ctx: BenchContext): Promise<Record<string, number[]>> {
  ctx.progress("Running test/workers/bench/requests.bench.ts inside workerd (about 30 s)…");
  const child = spawn("npx", ["vitest", "run", "--project", "isolate-bench"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, EDGEGATE_ISOLATE_BENCH: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const line = output.split("\n").find((l) => l.includes(MARKER));
  if (code !== 0 || !line)
    throw new Error(`The isolate harness failed (exit ${code}):\n${output.slice(-4_000)}`);
  return JSON.parse(line.slice(line.indexOf(MARKER) + MARKER.length)) as Record<string, number[]>;
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  const rounds = await runHarness(ctx);
  /** A kind's median round, in milliseconds. */
  const ms = (kind: string) => summarize(rounds[kind] ?? []).p50 / 1000;
  return {
    labels: { baseline: "floor", candidate: "gateway" },
    environment: {
      ...(await benchEnvironment()),
      runtime: "workerd via @cloudflare/vitest-pool-workers; the Worker's fetch called directly in a loop",
      harness: "test/workers/bench/requests.bench.ts",
    },
    parameters: { rounds: rounds.healthz?.length ?? 0, statistic: "median round, per request" },
    rows: [
      msRow(
        "miss, upstream answered in the isolate: bare pass-through code -> gateway",
        ms("bareStubbed"),
        ms("missStubbed"),
      ),
      msRow(
        "miss through the simulator: the call alone -> through the gateway",
        ms("upstreamAlone"),
        ms("miss"),
      ),
      msRow("HIT: gateway /healthz -> gateway HIT", ms("healthz"), ms("hit")),
    ],
    details: { microsecondsPerRequestByRound: rounds },
  };
}

export const isolateSuite: BenchSuite = {
  name: "isolate",
  description: "the gateway's JavaScript per request (miss, HIT, /healthz) in a warm loop inside workerd",
  run,
};
