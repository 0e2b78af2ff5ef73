/**
 * `proxy`: what the gateway costs on the plain proxy path. The same SDK calls go straight to the
 * simulator and through the gateway (workerd via `unstable_startWorker`, inspector off), in one run:
 * non-streaming chat throughput and latency at a fixed concurrency, and streaming time to first token.
 */
import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { bootstrapTenant, launchGateway } from "../../launch";
import { PROJECT_ROOT } from "../../launch/wrangler-env";
import { closedLoop, type LoadResult, timed } from "../measure";
import type { BenchContext, BenchRow, BenchSuite, SuiteResult } from "../suite";

const MODEL = "gpt-4o-mini";
const PARAMETERS = {
  concurrency: 8,
  warmupMs: 1_500,
  durationMs: 6_000,
  sequentialCount: 150,
  streamConcurrency: 4,
  streamWarmupCount: 12,
  streamCount: 80,
  streamChunkDelayMs: 20,
  streamMaxTokens: 16,
};

/** Distinct prompts, so no cache or request coalescing can answer instead of the upstream. */
const prompt = (label: string, i: number) => [
  { role: "user" as const, content: `${label} request ${i}: hello` },
];

async function chatLoad(client: OpenAI, label: string, ctx: BenchContext): Promise<[LoadResult, LoadResult]> {
  const { concurrency, warmupMs, durationMs, sequentialCount } = PARAMETERS;
  const call = (i: number) =>
    timed(() => client.chat.completions.create({ model: MODEL, messages: prompt(label, i), max_tokens: 32 }));
  ctx.progress(`  ${label}: chat.completions.create, concurrency ${concurrency}, warm-up ${warmupMs} ms`);
  await closedLoop({ concurrency, durationMs: warmupMs }, call);
  ctx.progress(`  ${label}: measuring for ${durationMs} ms, then ${sequentialCount} sequential calls`);
  const loaded = await closedLoop({ concurrency, durationMs }, (i) => call(i + 1_000_000));
  // One at a time: the latency a single caller sees, without queueing on two shared cores.
  const sequential = await closedLoop({ concurrency: 1, count: sequentialCount }, (i) => call(i + 2_000_000));
  return [loaded, sequential];
}

/** Milliseconds from sending a streamed request until its first content delta arrives. */
async function timeToFirstToken(client: OpenAI, label: string, i: number): Promise<number> {
  const start = performance.now();
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: prompt(label, i),
    max_tokens: PARAMETERS.streamMaxTokens,
    stream: true,
  });
  let first: number | undefined;
  for await (const chunk of stream) {
    if (first === undefined && chunk.choices[0]?.delta.content) first = performance.now() - start;
  }
  if (first === undefined) throw new Error(`${label}: the stream carried no content.`);
  return first;
}

async function streamLoad(client: OpenAI, label: string, ctx: BenchContext): Promise<LoadResult> {
  const { streamConcurrency: concurrency, streamWarmupCount, streamCount } = PARAMETERS;
  ctx.progress(`  ${label}: streaming, concurrency ${concurrency}, ${streamCount} streams`);
  await closedLoop({ concurrency, count: streamWarmupCount }, (i) => timeToFirstToken(client, label, i));
  return closedLoop({ concurrency, count: streamCount }, (i) =>
    timeToFirstToken(client, label, i + 1_000_000),
  );
}

interface TargetResult {
  chat: LoadResult;
  sequential: LoadResult;
  ttft: LoadResult;
}

async function measure(client: OpenAI, label: string, ctx: BenchContext): Promise<TargetResult> {
  const [chat, sequential] = await chatLoad(client, label, ctx);
  return { chat, sequential, ttft: await streamLoad(client, label, ctx) };
}

function rows(direct: TargetResult, gateway: TargetResult): BenchRow[] {
  const ms = (metric: string, pick: (r: TargetResult) => number): BenchRow => ({
    metric,
    unit: "ms",
    better: "lower",
    baseline: pick(direct),
    candidate: pick(gateway),
  });
  return [
    {
      metric: `chat throughput, concurrency ${PARAMETERS.concurrency}`,
      unit: "req/s",
      better: "higher",
      baseline: direct.chat.throughput,
      candidate: gateway.chat.throughput,
    },
    ms(`chat latency p50, concurrency ${PARAMETERS.concurrency}`, (r) => r.chat.summary.p50),
    ms(`chat latency p99, concurrency ${PARAMETERS.concurrency}`, (r) => r.chat.summary.p99),
    ms("chat latency p50, one at a time", (r) => r.sequential.summary.p50),
    ms("chat latency p99, one at a time", (r) => r.sequential.summary.p99),
    ms("stream time to first token p50", (r) => r.ttft.summary.p50),
    ms("stream time to first token p99", (r) => r.ttft.summary.p99),
  ];
}

function summaries(r: TargetResult) {
  return { chat: r.chat.summary, sequential: r.sequential.summary, ttft: r.ttft.summary };
}

async function environment(): Promise<Record<string, string>> {
  const wrangler = JSON.parse(
    await readFile(join(PROJECT_ROOT, "node_modules", "wrangler", "package.json"), "utf8"),
  ) as { version: string };
  return {
    gateway: "gateway via unstable_startWorker, inspector off (local workerd)",
    upstream: "bundled OpenAI simulator, in the benchmark's own Node process",
    node: process.version,
    wrangler: wrangler.version,
    machine: `${process.platform}/${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"})`,
  };
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Launching the gateway with the simulator…");
  const gateway = await launchGateway({
    vars: { LOG_LEVEL: "warn" },
    simulatorConfig: { streamChunkDelayMs: PARAMETERS.streamChunkDelayMs },
  });
  try {
    const sim = gateway.simulator;
    if (!sim) throw new Error("The proxy suite needs the bundled simulator.");
    const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "bench");
    const options = { maxRetries: 0, timeout: 30_000 };
    const clients = {
      direct: new OpenAI({
        ...options,
        baseURL: sim.url,
        apiKey: sim.state.config.apiKey ?? "sk-sim-edgegate",
      }),
      gateway: new OpenAI({ ...options, baseURL: `${gateway.url}/v1`, apiKey }),
    };
    // One after the other, never overlapping: two cores are shared by client, simulator and workerd.
    const results = {
      direct: await measure(clients.direct, "direct", ctx),
      gateway: await measure(clients.gateway, "gateway", ctx),
    };
    return {
      labels: { baseline: "direct", candidate: "gateway" },
      environment: await environment(),
      parameters: PARAMETERS,
      rows: rows(results.direct, results.gateway),
      details: {
        direct: summaries(results.direct),
        gateway: summaries(results.gateway),
      },
    };
  } finally {
    await gateway.close();
  }
}

export const proxySuite: BenchSuite = {
  name: "proxy",
  description: "gateway vs direct: chat throughput/latency and streaming time to first token",
  run,
};
