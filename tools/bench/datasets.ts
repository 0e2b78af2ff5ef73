/**
 * `datasets`: what distillation costs. (1) Capture on vs off: the same sequential chat calls, alternating
 * between a tenant that captures everything and one that does not, so the difference is the capture
 * hook's cost on the response path (the D1 write itself runs after the response). (2) Export: JSONL
 * streamed out of D1 for 10,000 and 100,000 examples, with examples/s and the peak growth of workerd's
 * resident memory while streaming (constant memory means the two peaks match).
 */
import { readdir, readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { bootstrapTenant, type Gateway, launchGateway } from "../launch";
import { summarize } from "./measure";
import type { BenchContext, BenchRow, BenchSuite, SuiteResult } from "./suite";

const PARAMETERS = {
  captureCalls: 400,
  captureWarmup: 40,
  smallExport: 10_000,
  largeExport: 100_000,
  uploadChunk: 5_000,
};

export interface Api {
  url: string;
  key: string;
}

export async function call(
  api: Api,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.key}`, "content-type": contentType },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function chatMs(api: Api, i: number): Promise<number> {
  const start = performance.now();
  const body = {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: `capture bench ${i}` }],
    max_tokens: 16,
  };
  await (await call(api, "POST", "/v1/chat/completions", body)).json();
  return performance.now() - start;
}

async function captureCost(off: Api, on: Api, ctx: BenchContext) {
  ctx.progress(`  capture: ${PARAMETERS.captureCalls} sequential calls per tenant, alternating off/on`);
  for (let i = 0; i < PARAMETERS.captureWarmup; i++)
    await Promise.all([chatMs(off, -i - 1), chatMs(on, -i - 1)]);
  const samples = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < PARAMETERS.captureCalls; i++) {
    samples.off.push(await chatMs(off, i));
    samples.on.push(await chatMs(on, i));
  }
  return { off: summarize(samples.off), on: summarize(samples.on) };
}

/** Resident memory (kB) of every workerd process under this one. */
export async function workerdRssKb(): Promise<number> {
  const parents = new Map<number, { ppid: number; comm: string }>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (match) parents.set(Number(entry), { comm: match[1] ?? "", ppid: Number(match[2]) });
  }
  const isMine = (pid: number): boolean => {
    for (let p = parents.get(pid)?.ppid; p; p = parents.get(p)?.ppid) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, info] of parents) {
    if (!info.comm.includes("workerd") || !isMine(pid)) continue;
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return total;
}

async function fillDataset(api: Api, n: number, ctx: BenchContext): Promise<string> {
  const ds = (await (
    await call(api, "POST", "/v1/datasets", { name: `bench-${n}`, validation_ratio: 0 })
  ).json()) as { id: string };
  for (let start = 0; start < n; start += PARAMETERS.uploadChunk) {
    let jsonl = "";
    for (let i = start; i < Math.min(n, start + PARAMETERS.uploadChunk); i++) {
      const messages = [
        { role: "system", content: "You are a support agent." },
        { role: "user", content: `Customer question ${i}: where is my order?` },
        { role: "assistant", content: `Order ${i} ships tomorrow.` },
      ];
      jsonl += `${JSON.stringify({ messages })}\n`;
    }
    await call(api, "POST", `/v1/datasets/${ds.id}/examples`, jsonl, "application/jsonl");
    ctx.progress(`    loaded ${Math.min(n, start + PARAMETERS.uploadChunk)}/${n}`);
  }
  return ds.id;
}

/** Streams the export, counting lines, while sampling workerd's memory. */
export async function exportRun(api: Api, datasetId: string) {
  const before = await workerdRssKb();
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await workerdRssKb());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const start = performance.now();
  const res = await call(api, "GET", `/v1/datasets/${datasetId}/export`);
  let lines = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) if (byte === 10) lines++;
  }
  const seconds = (performance.now() - start) / 1000;
  sampling = false;
  await sampler;
  return {
    lines,
    seconds,
    examplesPerSecond: lines / seconds,
    peakGrowthMb: (peak - before) / 1024,
    peakMb: peak / 1024,
  };
}

async function tenants(gateway: Gateway): Promise<{ off: Api; on: Api }> {
  const url = gateway.url;
  const off = await bootstrapTenant(url, gateway.adminToken, "bench-capture-off");
  const on = await bootstrapTenant(url, gateway.adminToken, "bench-capture-on");
  const res = await fetch(`${url}/admin/tenants/${on.tenantId}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ settings: { distillation: { capture_all: true } } }),
  });
  if (!res.ok) throw new Error(`settings: ${res.status} ${await res.text()}`);
  return { off: { url, key: off.apiKey }, on: { url, key: on.apiKey } };
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Launching the gateway with the simulator…");
  const gateway = await launchGateway({ vars: { LOG_LEVEL: "warn", MAX_BODY_BYTES: "52428800" } });
  try {
    const { off, on } = await tenants(gateway);
    const capture = await captureCost(off, on, ctx);
    ctx.progress(`  export: loading ${PARAMETERS.smallExport} and ${PARAMETERS.largeExport} examples`);
    const small = await exportRun(on, await fillDataset(on, PARAMETERS.smallExport, ctx));
    const largeId = await fillDataset(on, PARAMETERS.largeExport, ctx);
    const large = await exportRun(on, largeId);
    // Retained memory would grow again on a second pass; garbage and SQLite's caches would not.
    const again = await exportRun(on, largeId);
    const mb = (r: { peakGrowthMb: number }) => `${r.peakGrowthMb.toFixed(1)} MB`;
    ctx.progress(
      `  export peak workerd RSS growth: ${mb(small)} (10k), ${mb(large)} (100k), ${mb(again)} (100k again)`,
    );
    const rows: BenchRow[] = [
      {
        metric: "chat latency p50, capture off → on",
        unit: "ms",
        better: "lower",
        baseline: capture.off.p50,
        candidate: capture.on.p50,
      },
      {
        metric: "chat latency p90, capture off → on",
        unit: "ms",
        better: "lower",
        baseline: capture.off.p90,
        candidate: capture.on.p90,
      },
      {
        metric: "export examples/s, 10k → 100k examples",
        unit: "req/s",
        better: "higher",
        baseline: small.examplesPerSecond,
        candidate: large.examplesPerSecond,
      },
    ];
    return {
      labels: { baseline: "off / 10k", candidate: "on / 100k" },
      environment: {
        gateway: "gateway via unstable_startWorker, inspector off (local workerd, local D1)",
        node: process.version,
        machine: `${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"})`,
      },
      parameters: PARAMETERS,
      rows,
      details: { capture, export: { small, large, again } },
    };
  } finally {
    await gateway.close();
  }
}

export const datasetsSuite: BenchSuite = {
  name: "datasets",
  description:
    "capture on vs off (added latency); JSONL export of 10k and 100k examples (examples/s, memory)",
  run,
};
