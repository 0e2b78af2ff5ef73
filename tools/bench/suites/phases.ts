/**
 * `phases`: where a cache-off miss's JavaScript goes, source module by source module. The gateway's
 * own `fetch` is called in a warm loop inside workerd (tools/bench/phases-worker/worker.js: stand-in
 * bindings, the upstream answered from memory), profiled through the devtools inspector. With no I/O
 * in the loop, no sample is an `await` charged to the function that waited, as in the `proxy`
 * suite's profiles under load; each sample is charged to the innermost frame of the Worker's bundle
 * (runtime calls such as `new Response` to the module that made them), and the bundle's
 * `// ../src/…` markers name the module. Figures are microseconds per request with the inspector
 * on (it makes runtime calls dearer): they rank and compare, the `isolate` suite measures.
 */
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { freePort, launchGateway } from "../../launch";
import { PROJECT_ROOT } from "../../launch/wrangler-env";
import { type CpuProfile, Inspector } from "../cpu-profile";
import { summarize } from "../measure";
import { byModule, moduleLines } from "../profile-modules";
import { benchEnvironment, RESULTS_DIR } from "../report";
import { type BenchContext, type BenchSuite, msRow, type SuiteResult } from "../suite";

const WORKER = join(PROJECT_ROOT, "tools/bench/phases-worker/worker.js");
const KINDS = ["miss", "bare", "hit", "healthz"] as const;
type Kind = (typeof KINDS)[number];
const PARAMETERS = {
  warmup: 3_000,
  timedRounds: 5,
  timedCount: 4_000,
  profiledCount: 20_000,
  samplingUs: 50,
};

function renderModules(modules: Record<Kind, Record<string, number>>): string {
  const names = [...new Set(Object.values(modules).flatMap((m) => Object.keys(m)))];
  const cell = (us: number | undefined) => (us ?? 0).toFixed(1).padStart(7);
  const total = (kind: Kind) => Object.values(modules[kind]).reduce((a, b) => a + b, 0);
  names.sort((a, b) => (modules.miss[b] ?? 0) - (modules.miss[a] ?? 0));
  const rows = names
    .filter((name) => KINDS.some((kind) => (modules[kind][name] ?? 0) >= 0.5))
    .map((name) => `  ${KINDS.map((kind) => cell(modules[kind][name])).join("  ")}  ${name}`);
  return [
    "Microseconds per request by source module (inspector on; runtime calls charged to their caller):",
    `  ${KINDS.map((kind) => kind.padStart(7)).join("  ")}  module`,
    ...rows,
    `  ${KINDS.map((kind) => cell(total(kind))).join("  ")}  all`,
  ].join("\n");
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Starting the phases Worker (the gateway behind a warm-loop entry) with the inspector on…");
  const worker = await launchGateway({ entrypoint: WORKER, inspectorPort: await freePort() });
  const inspector = await Inspector.connect(worker.inspectorUrl ?? "");
  const scripts = new Map<string, string>();
  try {
    const loop = async (kind: Kind, count: number): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`${worker.url}/loop?kind=${kind}&n=${count}`);
      const text = await res.text();
      if (text !== "ok") throw new Error(`The phases loop failed: ${text.slice(0, 2_000)}`);
      return ((performance.now() - started) * 1000) / count;
    };
    for (const kind of KINDS) await loop(kind, PARAMETERS.warmup);
    const timed: Record<Kind, number[]> = { miss: [], bare: [], hit: [], healthz: [] };
    for (let round = 0; round < PARAMETERS.timedRounds; round++)
      for (const kind of KINDS) timed[kind].push(await loop(kind, PARAMETERS.timedCount));
    const modules = {} as Record<Kind, Record<string, number>>;
    for (const kind of KINDS) {
      let usPerRequest = 0;
      const profile = await inspector.profile(async () => {
        usPerRequest = await loop(kind, PARAMETERS.profiledCount);
      }, PARAMETERS.samplingUs);
      const file = join(RESULTS_DIR, `phases-${kind}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      ctx.progress(`  ${kind}: ${relative(PROJECT_ROOT, file)}`);
      const scriptId = bundleScriptId(profile);
      if (!scripts.has(scriptId)) {
        await inspector.send("Debugger.enable");
        const { scriptSource } = await inspector.send<{ scriptSource: string }>("Debugger.getScriptSource", {
          scriptId,
        });
        await inspector.send("Debugger.disable");
        scripts.set(scriptId, scriptSource);
      }
      const moduleOf = moduleLines(scripts.get(scriptId) ?? "");
      modules[kind] = byModule(profile, { scriptId, moduleOf }, usPerRequest);
    }
    const median = (kind: Kind) => summarize(timed[kind]).p50 / 1000;
    return {
      labels: { baseline: "floor", candidate: "gateway" },
      environment: {
        ...(await benchEnvironment()),
        runtime: "workerd via unstable_startWorker, inspector on; the gateway's fetch called in a warm loop",
        worker: "tools/bench/phases-worker/worker.js (stand-in bindings, upstream answered from memory)",
      },
      parameters: { ...PARAMETERS, statistic: "median round, per request" },
      rows: [
        msRow("miss, warm: bare pass-through code -> gateway", median("bare"), median("miss")),
        msRow("GET /healthz, warm: -> cache-off miss", median("healthz"), median("miss")),
        msRow("GET /healthz, warm: -> cache HIT", median("healthz"), median("hit")),
      ],
      details: { microsecondsPerRequestByRound: timed, microsecondsPerRequestByModule: modules },
      appendix: renderModules(modules),
    };
  } finally {
    inspector.close();
    await worker.close();
  }
}

/** The script most busy samples ran in: the Worker's bundle. */
function bundleScriptId(profile: CpuProfile): string {
  const hits = new Map<string, number>();
  for (const node of profile.nodes) {
    const { scriptId, url } = node.callFrame;
    if (scriptId && scriptId !== "0" && url)
      hits.set(scriptId, (hits.get(scriptId) ?? 0) + (node.hitCount ?? 0));
  }
  const [top] = [...hits].sort((a, b) => b[1] - a[1]);
  if (!top) throw new Error("The profile holds no sample of the Worker's script.");
  return top[0];
}

export const phasesSuite: BenchSuite = {
  name: "phases",
  description:
    "where a miss's and a HIT's JavaScript goes, by source module (warm loop in workerd, profiled)",
  run,
};
