/**
 * `vision`: validation of a vision dataset. 1,000 examples with 3 images each (3,000 distinct PNGs),
 * validated through `POST /v1/datasets/:id/validate`: images given as base64 data URLs (baseline, no
 * download) vs as URLs on a local Node image server (candidate, each image downloaded, its header
 * read, hashed and stored in KV). Both exceed one request's image budget (VISION_REQUEST_BUDGET), so
 * they run as background validations in chunks and are polled to completion. Reports examples/s and
 * the peak resident memory of the workerd process running the gateway.
 */
import { cpus } from "node:os";
import { type ImageServer, startImageServer } from "../../test/helpers-node/image-server";
import { dataUrl, png } from "../../test/workers/helpers/vision-images";
import { bootstrapTenant, type Gateway, launchGateway } from "../launch";
import { rssBytes, workerdProcesses } from "./realtime-procs";
import type { BenchContext, BenchRow, BenchSuite, SuiteResult } from "./suite";

const PARAMETERS = { examples: 1_000, imagesPerExample: 3, examplesPerRequest: 1_000, imageSide: 24 };

/** Seeds of the fetched images start here, so no image of the data-URL run is stored already. */
const FETCHED_SEED = 10_000_000;

interface Api {
  url: string;
  key: string;
}

async function call(api: Api, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${api.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${api.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return { status: res.status, body: await res.json() };
}

interface Report {
  summary: { valid_examples: number };
}

interface Run {
  id: string;
  status: string;
  report: Report | null;
  progress: { chunks: number };
}

/**
 * One validation request; over the request budget (VISION_REQUEST_BUDGET, 500 operations by default)
 * the gateway answers 202 and validates in the background, polled here until completed.
 */
async function validateBatch(
  api: Api,
  datasetId: string,
  batch: unknown[],
): Promise<{ report: Report; chunks: number }> {
  const started = await call(api, `/v1/datasets/${datasetId}/validate`, { examples: batch });
  if (started.status === 200) return { report: started.body as Report, chunks: 0 };
  for (let run = started.body as Run; ; ) {
    if (run.status === "completed" && run.report) return { report: run.report, chunks: run.progress.chunks };
    if (run.status !== "in_progress") throw new Error(`validation ${run.id} ${run.status}`);
    await new Promise((r) => setTimeout(r, 50));
    run = (await call(api, `/v1/datasets/${datasetId}/validations/${run.id}`)).body as Run;
  }
}

function examples(urlOf: (n: number) => string): unknown[] {
  return Array.from({ length: PARAMETERS.examples }, (_, i) => {
    const parts = Array.from({ length: PARAMETERS.imagesPerExample }, (_, k) => ({
      type: "image_url",
      image_url: { url: urlOf(i * PARAMETERS.imagesPerExample + k), detail: "low" },
    }));
    return {
      messages: [
        { role: "user", content: [{ type: "text", text: `Describe picture set ${i}.` }, ...parts] },
        { role: "assistant", content: `Set ${i}: three patterns.` },
      ],
    };
  });
}

/** Validates all examples in requests of `examplesPerRequest`, sampling workerd's memory meanwhile. */
/** Resident bytes of `pid`, or 0 once it has exited (the run then fails with the gateway's error). */
function rss(pid: number): number {
  try {
    return rssBytes(pid);
  } catch {
    return 0;
  }
}

async function validationRun(api: Api, datasetId: string, all: unknown[], pid: number) {
  const before = rss(pid);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rss(pid));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const start = performance.now();
  let valid = 0;
  let chunks = 0;
  for (let i = 0; i < all.length; i += PARAMETERS.examplesPerRequest) {
    const done = await validateBatch(api, datasetId, all.slice(i, i + PARAMETERS.examplesPerRequest));
    valid += done.report.summary.valid_examples;
    chunks += done.chunks;
  }
  const seconds = (performance.now() - start) / 1000;
  sampling = false;
  await sampler;
  if (valid !== all.length) throw new Error(`only ${valid}/${all.length} examples were valid`);
  const mb = (n: number) => n / 1048576;
  return {
    seconds,
    examplesPerSecond: all.length / seconds,
    peakRssMb: mb(peak),
    peakGrowthMb: mb(peak - before),
    backgroundChunks: chunks,
  };
}

async function setup(gateway: Gateway): Promise<{ api: Api; datasetId: string }> {
  const tenant = await bootstrapTenant(gateway.url, gateway.adminToken, "bench-vision");
  const res = await fetch(`${gateway.url}/admin/tenants/${tenant.tenantId}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ settings: { vision: { allow_private_image_hosts: true } } }),
  });
  if (!res.ok) throw new Error(`settings: ${res.status} ${await res.text()}`);
  const api = { url: gateway.url, key: tenant.apiKey };
  const ds = (await call(api, "/v1/datasets", { name: "bench-vision", kind: "vision" })).body as {
    id: string;
  };
  return { api, datasetId: ds.id };
}

function rows(inline: { examplesPerSecond: number; peakRssMb: number }, fetched: typeof inline): BenchRow[] {
  return [
    {
      metric: "validated examples/s (3 images each)",
      unit: "req/s",
      better: "higher",
      baseline: inline.examplesPerSecond,
      candidate: fetched.examplesPerSecond,
    },
  ];
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Starting the image server and the gateway…");
  const images: ImageServer = await startImageServer();
  const gateway = await launchGateway({
    vars: { LOG_LEVEL: "warn", MAX_BODY_BYTES: "104857600" },
    logLevel: (process.env.BENCH_WRANGLER_LOG as "debug" | undefined) ?? "warn",
  });
  try {
    const { api, datasetId } = await setup(gateway);
    const pid = workerdProcesses(gateway.port).gateway.pid;
    const side = PARAMETERS.imageSide;
    ctx.progress(`  data URLs: ${PARAMETERS.examples} examples × ${PARAMETERS.imagesPerExample} images`);
    const inline = await validationRun(
      api,
      datasetId,
      examples((n) => dataUrl(png(side, side, "rgb", n))),
      pid,
    );
    ctx.progress(
      `  URLs on ${images.origin}: ${PARAMETERS.examples} examples × ${PARAMETERS.imagesPerExample} images`,
    );
    const fetched = await validationRun(
      api,
      datasetId,
      examples((n) => `${images.origin}/gen/${n + FETCHED_SEED}.png`),
      pid,
    );
    const fmt = (r: typeof inline) =>
      `${r.examplesPerSecond.toFixed(0)} examples/s, peak workerd RSS ${r.peakRssMb.toFixed(0)} MB (+${r.peakGrowthMb.toFixed(1)} MB), ${r.backgroundChunks} background chunks`;
    ctx.progress(`  data URLs: ${fmt(inline)}\n  fetched:   ${fmt(fetched)}`);
    return {
      labels: { baseline: "data URLs", candidate: "fetched URLs" },
      environment: {
        gateway:
          "gateway via unstable_startWorker (local workerd, local KV), image server in this Node process",
        node: process.version,
        machine: `${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"})`,
      },
      parameters: PARAMETERS,
      rows: rows(inline, fetched),
      details: { inline, fetched, workerd_pid_measured: "gateway workerd (not wrangler's proxy)" },
    };
  } finally {
    await gateway.close();
    await images.close();
  }
}

export const visionSuite: BenchSuite = {
  name: "vision",
  description:
    "vision dataset validation, 1,000 examples × 3 images: data URLs vs fetched (examples/s, workerd memory)",
  run,
};
