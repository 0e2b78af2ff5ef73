/**
 * `cache`: the prompt cache's cost and value, in one run. Hit vs miss with the upstream slowed to
 * 300 ms; hit vs a plain route of the same gateway (latency and throughput); semantic lookup at
 * 1k/10k/50k entries in one partition (the index's search in V8, as the Durable Object runs it);
 * semantic precision and recall on a labelled set with the simulator's embeddings (or a real API).
 */
import { normalise, VectorMatrix } from "../../../src/cache/vector-matrix";
import { bootstrapTenant, launchGateway } from "../../launch";
import { semanticQuality } from "../cache-quality";
import { closedLoop, summarize, timed } from "../measure";
import { type BenchContext, type BenchRow, type BenchSuite, msRow, type SuiteResult } from "../suite";

const PARAMETERS = {
  upstreamLatencyMs: 300,
  missCount: 20,
  sequentialCount: 300,
  concurrency: 8,
  durationMs: 4_000,
  semanticQueries: 200,
  embeddingDims: 256,
};

async function http(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${res.status}`);
  return res.status;
}

/** Random unit vectors for the lookup benchmark. */
function randomUnit(dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = Math.random() * 2 - 1;
  return normalise(v);
}

function semanticLookup(entries: number, ctx: BenchContext) {
  ctx.progress(`  semantic lookup: ${entries} entries of ${PARAMETERS.embeddingDims} dimensions`);
  const matrix = new VectorMatrix();
  const expiresAt = Date.now() + 3_600_000;
  for (let i = 0; i < entries; i++) {
    matrix.append(randomUnit(PARAMETERS.embeddingDims), { cacheKey: `k${i}`, question: "", expiresAt });
  }
  const samples: number[] = [];
  for (let q = 0; q < PARAMETERS.semanticQueries; q++) {
    const query = randomUnit(PARAMETERS.embeddingDims);
    const start = performance.now();
    matrix.search(query, 0.95);
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Launching the gateway with the simulator…");
  const gateway = await launchGateway({ vars: { LOG_LEVEL: "warn" } });
  try {
    const sim = gateway.simulator;
    if (!sim) throw new Error("The cache suite needs the bundled simulator.");
    const { apiKey, tenantId } = await bootstrapTenant(gateway.url, gateway.adminToken, "bench-cache");
    await http(`${gateway.url}/admin/tenants/${tenantId}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ settings: { cache: { mode: "exact", coalesce: true } } }),
    });
    await http(`${sim.origin}/__sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ route: "POST /v1/chat/completions", latencyMs: PARAMETERS.upstreamLatencyMs }),
    });
    const chat = (content: string) =>
      http(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }] }),
      });
    const plain = () => http(`${gateway.url}/healthz`);

    ctx.progress(
      `  misses: ${PARAMETERS.missCount} distinct prompts, upstream at ${PARAMETERS.upstreamLatencyMs} ms`,
    );
    const miss = await closedLoop({ concurrency: 1, count: PARAMETERS.missCount }, (i) =>
      timed(() => chat(`miss ${i}`)),
    );
    await chat("the cached question");
    ctx.progress("  warm-up, then hits and the plain route one at a time");
    await closedLoop({ concurrency: 4, durationMs: 1_000 }, () => timed(() => chat("the cached question")));
    await closedLoop({ concurrency: 4, durationMs: 1_000 }, () => timed(plain));
    const count = PARAMETERS.sequentialCount;
    const hit = await closedLoop({ concurrency: 1, count }, () => timed(() => chat("the cached question")));
    const plainSeq = await closedLoop({ concurrency: 1, count }, () => timed(plain));
    ctx.progress(`  throughput at concurrency ${PARAMETERS.concurrency}, ${PARAMETERS.durationMs} ms each`);
    const load = { concurrency: PARAMETERS.concurrency, durationMs: PARAMETERS.durationMs };
    const hitLoad = await closedLoop(load, () => timed(() => chat("the cached question")));
    const plainLoad = await closedLoop(load, () => timed(plain));

    const lookups = {
      "1k": semanticLookup(1_000, ctx),
      "10k": semanticLookup(10_000, ctx),
      "50k": semanticLookup(50_000, ctx),
    };
    ctx.progress("  semantic quality on the labelled pairs");
    const embeddings = {
      baseUrl: process.env.BENCH_EMBEDDINGS_BASE_URL ?? sim.url,
      apiKey: process.env.BENCH_EMBEDDINGS_API_KEY ?? sim.state.config.apiKey ?? "sk-sim-edgegate",
      model: process.env.BENCH_EMBEDDINGS_MODEL ?? "text-embedding-3-small",
    };
    const quality = await semanticQuality(embeddings.baseUrl, embeddings.apiKey, embeddings.model);

    const rows: BenchRow[] = [
      msRow("latency p50: plain route vs HIT", plainSeq.summary.p50, hit.summary.p50),
      msRow("latency p99: plain route vs HIT", plainSeq.summary.p99, hit.summary.p99),
      {
        metric: `throughput: plain route vs HIT, concurrency ${PARAMETERS.concurrency}`,
        unit: "req/s",
        better: "higher",
        baseline: plainLoad.throughput,
        candidate: hitLoad.throughput,
      },
      msRow(
        `latency p50: MISS (upstream ${PARAMETERS.upstreamLatencyMs} ms) vs HIT`,
        miss.summary.p50,
        hit.summary.p50,
      ),
      msRow("semantic lookup p50 @1k: 5 ms target vs measured", 5, lookups["1k"].p50),
      msRow("semantic lookup p50 @10k: 5 ms target vs measured", 5, lookups["10k"].p50),
      msRow("semantic lookup p99 @10k: 5 ms target vs measured", 5, lookups["10k"].p99),
      msRow("semantic lookup p50 @50k: 5 ms target vs measured", 5, lookups["50k"].p50),
    ];
    return {
      labels: { baseline: "reference", candidate: "cache" },
      environment: {
        gateway:
          "gateway via unstable_startWorker, inspector off (local workerd); plain route = GET /healthz",
        lookup: "semantic search timed in V8 (Node) on the same VectorMatrix code the Durable Object runs",
        node: process.version,
        quality: `${quality.pairs} labelled pairs, threshold ${quality.threshold}, ${quality.model} from ${
          embeddings.baseUrl === sim.url ? "the simulator" : embeddings.baseUrl
        }: precision ${quality.precision.toFixed(3)}, recall ${quality.recall.toFixed(3)} (precision without the verifier ${quality.precisionWithoutVerifier.toFixed(3)})`,
      },
      parameters: PARAMETERS,
      rows,
      details: {
        miss: miss.summary,
        hit: hit.summary,
        plain: plainSeq.summary,
        hitThroughput: hitLoad.throughput,
        plainThroughput: plainLoad.throughput,
        semanticLookup: lookups,
        quality,
      },
    };
  } finally {
    await gateway.close();
  }
}

export const cacheSuite: BenchSuite = {
  name: "cache",
  description:
    "cache HIT vs MISS and vs a plain route; semantic lookup at 1k/10k/50k; semantic precision/recall",
  run,
};
