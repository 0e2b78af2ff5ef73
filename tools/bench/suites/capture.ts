/**
 * `capture`: traffic capture at scale, and what each kind of request costs in storage operations.
 *
 * 1. Operations per request kind, counted by the Worker itself (`EDGEGATE_COUNT_OPERATIONS=1`,
 *    `GET /admin/operations`): for each kind, `COUNTED` requests, the capture queue drained, then
 *    the counts divided by the requests, split into what the client waited on (`request`) and what
 *    ran after (`background`, `queue`). docs/capacity.md turns them into growth and cost.
 * 2. D1 and R2 bytes per capture: `BYTES_CAPTURES` captures of ~10 KB bodies, the local database
 *    file and the local R2 blobs measured before and after.
 * 3. Faults: `concurrency` clients for `faultLoadMs` with every call captured, while D1 fails for a
 *    window, then R2 fails for a window, and a share of queue messages is redelivered after being
 *    written (`EDGEGATE_FAULTS`); then every capture is listed back through the stored-completions
 *    API: none may be missing, none may be there twice.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { bootstrapTenant, type Gateway, launchGateway } from "../../launch";
import { closedLoop } from "../measure";
import { benchEnvironment } from "../report";
import type { BenchContext, BenchRow, BenchSuite, SuiteResult } from "../suite";

const PARAMETERS = {
  counted: Number(process.env.BENCH_CAPTURE_COUNTED) || 200,
  bytesCaptures: Number(process.env.BENCH_CAPTURE_BYTES_N) || 10_000,
  bodyBytes: 10_000,
  concurrency: 16,
  faultLoadMs: 16_000,
  /** Offsets from the start of the fault run (ms): D1 fails, then R2 fails. */
  d1Window: [3_000, 6_000] as [number, number],
  r2Window: [9_000, 12_000] as [number, number],
  redeliver: 0.1,
  drainTimeoutMs: 180_000,
};

/** D1 bytes per captured completion the storage design aims at. */
const D1_BYTES_TARGET = 512;

interface Tenant {
  id: string;
  key: string;
}

async function api<T>(gw: Gateway, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function tenant(gw: Gateway, name: string, settings: Record<string, unknown>): Promise<Tenant> {
  const { tenantId, apiKey } = await bootstrapTenant(gw.url, gw.adminToken, name);
  await api(gw, gw.adminToken, "PATCH", `/admin/tenants/${tenantId}`, { settings });
  return { id: tenantId, key: apiKey };
}

/** One chat completion; answers the completion id. */
async function chat(gw: Gateway, t: Tenant, prompt: string, extra: Record<string, unknown> = {}) {
  const answer = await api<{ id: string }>(gw, t.key, "POST", "/v1/chat/completions", {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: prompt }],
    max_tokens: 16,
    ...extra,
  });
  return answer.id;
}

/** Every stored completion id of the tenant with `metadata[run]=run`, paging through the API. */
async function storedIds(gw: Gateway, t: Tenant, run: string): Promise<string[]> {
  const ids: string[] = [];
  let after = "";
  for (;;) {
    const page = await api<{ data: { id: string }[]; has_more: boolean; last_id: string }>(
      gw,
      t.key,
      "GET",
      `/v1/chat/completions?limit=100&order=asc&metadata[run]=${run}${after ? `&after=${after}` : ""}`,
    );
    ids.push(...page.data.map((c) => c.id));
    if (!page.has_more) return ids;
    after = page.last_id;
  }
}

/** Waits until `expected` captures of `run` are listed, or the drain timeout; answers the ids listed. */
async function drained(gw: Gateway, t: Tenant, run: string, expected: number, ctx: BenchContext) {
  const deadline = Date.now() + PARAMETERS.drainTimeoutMs;
  let ids = await storedIds(gw, t, run);
  while (ids.length < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    ids = await storedIds(gw, t, run);
  }
  ctx.progress(`    ${run}: ${ids.length} of ${expected} captures listed`);
  return ids;
}

type Counts = Record<string, Record<string, number>>;

async function counted(gw: Gateway, work: () => Promise<void>, settle: () => Promise<void>): Promise<Counts> {
  await api(gw, gw.adminToken, "DELETE", "/admin/operations");
  await work();
  await settle();
  const { counts } = await api<{ counts: Counts }>(gw, gw.adminToken, "GET", "/admin/operations");
  return counts;
}

/** Counts per request, rounded to hundredths. */
function perRequest(counts: Counts, n: number): Counts {
  const out: Counts = {};
  for (const [phase, ops] of Object.entries(counts)) {
    out[phase] = Object.fromEntries(
      Object.entries(ops).map(([k, v]) => [k, Math.round((v / n) * 100) / 100]),
    );
  }
  return out;
}

async function operationsPerKind(gw: Gateway, ctx: BenchContext) {
  const n = PARAMETERS.counted;
  const plain = await tenant(gw, "bench-ops-plain", { cache: { mode: "off" } });
  const capturing = await tenant(gw, "bench-ops-capture", { cache: { mode: "off" } });
  const caching = await tenant(gw, "bench-ops-cache", { cache: { mode: "exact", share_across_users: true } });
  const huge = 10_000_000;
  const limited = await tenant(gw, "bench-ops-limits", {
    cache: { mode: "exact", share_across_users: true },
    rate_limits: {
      requests_per_minute_per_key: huge,
      requests_per_minute_per_user: huge,
      requests_per_minute_per_tenant: huge,
    },
  });
  await chat(gw, caching, "the cached question");
  await chat(gw, limited, "the cached question");
  await chat(gw, plain, "warm up");
  const sequential = async (task: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < n; i++) await task(i);
  };
  const kinds: Record<string, Counts> = {};
  const measure = async (kind: string, work: () => Promise<void>, settle = async () => {}) => {
    ctx.progress(`  operations: ${kind} × ${n}`);
    kinds[kind] = perRequest(await counted(gw, work, settle), n);
  };
  await measure("GET /healthz", () =>
    sequential(async () => (await fetch(`${gw.url}/healthz`)).arrayBuffer()),
  );
  await measure("chat, cache off, not captured", () => sequential((i) => chat(gw, plain, `plain ${i}`)));
  await measure("chat, cache HIT", () => sequential(() => chat(gw, caching, "the cached question")));
  await measure("chat, cache HIT, rate limits per key, user and tenant", () =>
    sequential(() => chat(gw, limited, "the cached question", { user: "bench-user" })),
  );
  await measure(
    "chat, cache off, captured (store: true)",
    () => sequential((i) => chat(gw, capturing, `captured ${i}`, { store: true, metadata: { run: "ops" } })),
    async () => void (await drained(gw, capturing, "ops", n, ctx)),
  );
  await measure("GET /v1/chat/completions (a page of 20)", () =>
    sequential(() => api(gw, capturing.key, "GET", "/v1/chat/completions?limit=20")),
  );
  return kinds;
}

/** Bytes of the files under `dir` whose path matches `pattern` (0 when it does not exist). */
async function bytesUnder(dir: string, pattern: RegExp): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (pattern.test(path)) total += (await stat(path)).size;
    }
  };
  await walk(dir);
  return total;
}

/** The files of the local D1 database (its write-ahead log included: an upper bound). */
const d1FileBytes = (gw: Gateway) => bytesUnder(join(gw.persistDir, "v3", "d1"), /\.sqlite(-wal)?$/);

/** The database's size as D1 reports it after a query (`meta.size_after`), read after one list query. */
async function d1Bytes(gw: Gateway, t: Tenant): Promise<number> {
  await api(gw, t.key, "GET", "/v1/chat/completions?limit=1");
  const { sizes } = await api<{ sizes: Record<string, number> }>(
    gw,
    gw.adminToken,
    "GET",
    "/admin/operations",
  );
  return sizes.DB ?? Number.NaN;
}
const r2Bytes = (gw: Gateway) => bytesUnder(join(gw.persistDir, "v3", "r2"), /.*/);

async function bytesPerCapture(gw: Gateway, ctx: BenchContext) {
  const n = PARAMETERS.bytesCaptures;
  const t = await tenant(gw, "bench-bytes", { cache: { mode: "off" } });
  // ~10 KB per capture: the prompt (the answer adds a few hundred bytes), realistic metadata.
  const filler = "Summarise the following support ticket for the on-call engineer. ".repeat(
    Math.ceil(PARAMETERS.bodyBytes / 66),
  );
  await chat(gw, t, "warm up", { store: true, metadata: { run: "warm" } });
  await drained(gw, t, "warm", 1, ctx);
  const before = { d1: await d1Bytes(gw, t), d1Files: await d1FileBytes(gw), r2: await r2Bytes(gw) };
  ctx.progress(`  bytes: ${n} captures of ~${PARAMETERS.bodyBytes} B, concurrency ${PARAMETERS.concurrency}`);
  await closedLoop({ concurrency: PARAMETERS.concurrency, count: n }, async (i) => {
    await chat(gw, t, `${i} ${filler}`.slice(0, PARAMETERS.bodyBytes), {
      store: true,
      metadata: { run: "bytes", customer: `cust_${i % 977}`, app: "support-desk", locale: "en-GB" },
    });
    return 0;
  });
  const listed = await drained(gw, t, "bytes", n, ctx);
  const after = { d1: await d1Bytes(gw, t), d1Files: await d1FileBytes(gw), r2: await r2Bytes(gw) };
  return {
    captures: listed.length,
    d1PerCapture: (after.d1 - before.d1) / Math.max(1, listed.length),
    d1FilesPerCapture: (after.d1Files - before.d1Files) / Math.max(1, listed.length),
    r2PerCapture: (after.r2 - before.r2) / Math.max(1, listed.length),
  };
}

async function underFaults(ctx: BenchContext) {
  const start = Date.now() + 8_000; // after the gateway has started and the tenant exists
  const at = (w: [number, number]) => [start + w[0], start + w[1]];
  const faults = {
    d1: at(PARAMETERS.d1Window),
    r2: at(PARAMETERS.r2Window),
    redeliver: PARAMETERS.redeliver,
  };
  const gw = await launchGateway({ vars: { LOG_LEVEL: "error", EDGEGATE_FAULTS: JSON.stringify(faults) } });
  try {
    const t = await tenant(gw, "bench-faults", { cache: { mode: "off" } });
    while (Date.now() < start) await new Promise((resolve) => setTimeout(resolve, 100));
    ctx.progress(
      `  faults: ${PARAMETERS.concurrency} clients for ${PARAMETERS.faultLoadMs} ms; D1 down ${PARAMETERS.d1Window.join("–")} ms, R2 down ${PARAMETERS.r2Window.join("–")} ms, ${PARAMETERS.redeliver * 100}% redelivered`,
    );
    const sent: string[] = [];
    let failed = 0;
    await closedLoop(
      { concurrency: PARAMETERS.concurrency, durationMs: PARAMETERS.faultLoadMs },
      async (i) => {
        try {
          sent.push(await chat(gw, t, `fault run ${i}`, { store: true, metadata: { run: "faults" } }));
        } catch {
          failed++;
        }
        return 0;
      },
    );
    const listed = await drained(gw, t, "faults", sent.length, ctx);
    const listedSet = new Set(listed);
    const lost = sent.filter((id) => !listedSet.has(id)).length;
    const duplicated = listed.length - listedSet.size;
    const deadLetters = await api<{ total?: number; data: unknown[] }>(
      gw,
      gw.adminToken,
      "GET",
      `/admin/tenants/${t.id}/captures/dead_letter?limit=100`,
    );
    return {
      sent: sent.length,
      failedCalls: failed,
      listed: listed.length,
      lost,
      duplicated,
      deadLetters: deadLetters.total ?? deadLetters.data.length,
    };
  } finally {
    await gw.close();
  }
}

function appendixOf(kinds: Record<string, Counts>): string {
  const lines = ["Operations per request (phase: BINDING.operation = count per request)"];
  for (const [kind, counts] of Object.entries(kinds)) {
    lines.push(`  ${kind}`);
    for (const phase of ["request", "background", "queue"]) {
      const ops = counts[phase];
      if (!ops) continue;
      const text = Object.entries(ops)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join(", ");
      lines.push(`    ${phase.padEnd(10)} ${text}`);
    }
  }
  return lines.join("\n");
}

async function run(ctx: BenchContext): Promise<SuiteResult> {
  ctx.progress("Launching the gateway (operation counting on) with the simulator…");
  const gw = await launchGateway({ vars: { LOG_LEVEL: "warn", EDGEGATE_COUNT_OPERATIONS: "1" } });
  let kinds: Record<string, Counts>;
  let bytes: Awaited<ReturnType<typeof bytesPerCapture>>;
  try {
    kinds = await operationsPerKind(gw, ctx);
    bytes = await bytesPerCapture(gw, ctx);
  } finally {
    await gw.close();
  }
  const faults = await underFaults(ctx);
  const row = (metric: string, unit: BenchRow["unit"], target: number, measured: number): BenchRow => ({
    metric,
    unit,
    better: "lower",
    baseline: target,
    candidate: measured,
  });
  return {
    labels: { baseline: "target", candidate: "measured" },
    environment: {
      ...(await benchEnvironment()),
      gateway:
        "gateway via unstable_startWorker, inspector off (local workerd: D1, R2, Queues), bundled simulator",
    },
    parameters: {
      ...PARAMETERS,
      d1Window: PARAMETERS.d1Window.join("-"),
      r2Window: PARAMETERS.r2Window.join("-"),
    },
    rows: [
      row(
        `D1 bytes per capture (${bytes.captures} captures of ~10 KB)`,
        "bytes",
        D1_BYTES_TARGET,
        bytes.d1PerCapture,
      ),
      row(`captures lost under faults (of ${faults.sent})`, "captures", 0, faults.lost),
      row(`captures duplicated under faults`, "captures", 0, faults.duplicated),
    ],
    details: { kinds, bytes, faults },
    appendix: `${appendixOf(kinds)}\n\nD1 files (with the write-ahead log) per capture: ${Math.round(bytes.d1FilesPerCapture)}; R2 bytes per capture: ${Math.round(bytes.r2PerCapture)}; fault run: ${JSON.stringify(faults)}`,
  };
}

export const captureSuite: BenchSuite = {
  name: "capture",
  description:
    "storage operations per request kind, D1/R2 bytes per capture, and 0 lost / 0 duplicated captures under D1, R2 and queue faults",
  run,
};
