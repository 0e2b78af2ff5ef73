/**
 * `export`: a dataset of 1,000,000 small chat examples (`BENCH_EXPORT_EXAMPLES` to change it) filled
 * through the gateway's own route (`POST /v1/datasets/{id}/examples`, JSONL batches of 5,000, two in
 * flight: each batch is validated, hashed, written as one R2 segment and indexed in D1), then
 * streamed out twice with `GET /v1/datasets/{id}/export`: examples/s, and workerd's resident memory
 * (all workerd processes of this run, from /proc) before and at its peak during each export.
 * Constant memory means the peak does not grow with the dataset nor from one pass to the next.
 */
import { bootstrapTenant, launchGateway } from "../launch";
import { type Api, call, exportRun, workerdRssKb } from "./datasets";
import { benchEnvironment } from "./report";
import type { BenchContext, BenchRow, BenchSuite, SuiteResult } from "./suite";

const PARAMETERS = {
  examples: Number(process.env.BENCH_EXPORT_EXAMPLES) || 1_000_000,
  batch: 5_000,
  batchesInFlight: 2,
};

function batchJsonl(start: number, end: number): string {
  let jsonl = "";
  for (let i = start; i < end; i++) {
    const messages = [
      { role: "user", content: `Customer question ${i}: where is my order?` },
      { role: "assistant", content: `Order ${i} ships tomorrow.` },
    ];
    jsonl += `${JSON.stringify({ messages })}\n`;
  }
  return jsonl;
}

async function fill(api: Api, ctx: BenchContext): Promise<{ id: string; seconds: number }> {
  const { examples, batch, batchesInFlight } = PARAMETERS;
  const ds = (await (
    await call(api, "POST", "/v1/datasets", { name: "bench-export", validation_ratio: 0 })
  ).json()) as { id: string };
  const start = performance.now();
  let next = 0;
  let loaded = 0;
  const worker = async () => {
    for (let from = next; from < examples; from = next) {
      next += batch;
      const to = Math.min(examples, from + batch);
      const jsonl = batchJsonl(from, to);
      // Local workerd has restarted mid-fill on this shared machine (503 "worker restarted"); a batch
      // sent again is safe: examples already stored are skipped as duplicates by content hash.
      await call(api, "POST", `/v1/datasets/${ds.id}/examples`, jsonl, "application/jsonl").catch(
        (err: unknown) => {
          if (!String(err).includes(": 503 ")) throw err;
          ctx.progress(`    batch ${from}–${to} sent again after: ${String(err).slice(0, 120)}`);
          return call(api, "POST", `/v1/datasets/${ds.id}/examples`, jsonl, "application/jsonl");
        },
      );
      loaded += to - from;
      if (loaded % 50_000 === 0 || loaded === examples) {
        const rate = loaded / ((performance.now() - start) / 1000);
        ctx.progress(`    loaded ${loaded}/${examples} (${rate.toFixed(0)} examples/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: batchesInFlight }, worker));
  return { id: ds.id, seconds: (performance.now() - start) / 1000 };
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Launching the gateway with the simulator…");
  const gateway = await launchGateway({ vars: { LOG_LEVEL: "warn", MAX_BODY_BYTES: "52428800" } });
  try {
    const tenant = await bootstrapTenant(gateway.url, gateway.adminToken, "bench-export");
    const api = { url: gateway.url, key: tenant.apiKey };
    ctx.progress(`  filling ${PARAMETERS.examples} examples`);
    const filled = await fill(api, ctx);
    const idleMb = (await workerdRssKb()) / 1024;
    ctx.progress(`  exporting (workerd RSS ${idleMb.toFixed(0)} MB before)`);
    const first = await exportRun(api, filled.id);
    const again = await exportRun(api, filled.id);
    if (first.lines !== PARAMETERS.examples) {
      throw new Error(`export gave ${first.lines} lines, not ${PARAMETERS.examples}`);
    }
    const perSecond = (r: { examplesPerSecond: number }) => r.examplesPerSecond.toFixed(0);
    ctx.progress(
      `  export: ${perSecond(first)} then ${perSecond(again)} examples/s; workerd peak RSS ${first.peakMb.toFixed(0)} MB then ${again.peakMb.toFixed(0)} MB`,
    );
    const rows: BenchRow[] = [
      {
        metric: "export examples/s, first → second pass",
        unit: "req/s",
        better: "higher",
        baseline: first.examplesPerSecond,
        candidate: again.examplesPerSecond,
        target: "> 50,000/s",
      },
      {
        metric: "workerd peak RSS growth while exporting, first → second pass",
        unit: "MB",
        better: "lower",
        baseline: first.peakGrowthMb,
        candidate: again.peakGrowthMb,
        target: "constant",
      },
    ];
    return {
      labels: { baseline: "first pass", candidate: "second pass" },
      environment: {
        ...(await benchEnvironment()),
        gateway: "gateway via unstable_startWorker, inspector off (local workerd, local D1 and R2)",
      },
      parameters: PARAMETERS,
      rows,
      details: {
        fill: { seconds: filled.seconds, examplesPerSecond: PARAMETERS.examples / filled.seconds },
        workerdRssBeforeExportMb: idleMb,
        export: { first, again },
      },
    };
  } finally {
    await gateway.close();
  }
}

export const exportSuite: BenchSuite = {
  name: "export",
  description:
    "1M small chat examples filled through the examples route, then streamed by the export route (examples/s, workerd peak RSS)",
  run,
};
