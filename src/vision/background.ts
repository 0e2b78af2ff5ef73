/**
 * Background validation of vision examples whose images need more operations than one request may
 * spend: planned once, then checked in chunks (one alarm each, each within the budget), then reported
 * from the remembered results with no download at all. Every chunk's results also go to the check
 * cache, so export and fine-tuning jobs reuse them.
 * @see docs/openai-reference.md E
 */
import type { DatasetScope } from "../datasets/example-bodies";
import type { Bindings } from "../platform/env";
import { saveChecks } from "./check-cache";
import { checkImage, type ImageResult, limiter } from "./image-check";
import { imageUrlsOf, operationsOf, planChecks, storedImageUrls } from "./plan";
import { validateStored, validateValues } from "./report";
import { type RunMeta, type RunStore, urlHash } from "./run-store";
import { type ImageStore, imageStore } from "./store";
import { VisionValidator } from "./validate";

/** Image downloads in flight at once (workerd allows six open connections per invocation). */
const FETCH_SLOTS = 6;
/** Operations kept back in each chunk for the D1 write that remembers its results. */
const CHUNK_RESERVE = 1;

const scopeOf = (meta: RunMeta): DatasetScope => ({ id: meta.datasetId, tenant_id: meta.tenantId });
const storeOf = (env: Bindings, meta: RunMeta): ImageStore => imageStore(env, meta.tenantId);

/** The examples sent with the request (request source), or null for the stored dataset. */
function bodyValues(store: RunStore, meta: RunMeta): unknown[] | null {
  return meta.source === "request" ? (JSON.parse(store.body() ?? "[]") as unknown[]) : null;
}

/** Distinct image URLs of the examples being validated. */
function urlsOf(env: Bindings, values: unknown[] | null, meta: RunMeta): Promise<Set<string>> {
  return values
    ? Promise.resolve(imageUrlsOf(values, meta.limits))
    : storedImageUrls(env, scopeOf(meta), meta.split, meta.limits);
}

/** First step: remembered results are kept, the rest queued. */
async function plan(env: Bindings, store: RunStore, meta: RunMeta): Promise<void> {
  const urls = await urlsOf(env, bodyValues(store, meta), meta);
  const checks = await planChecks(env.DB, meta.tenantId, urls, meta.limits, meta.createdAt);
  for (const [url, result] of checks.known) store.putResult(await urlHash(url), result);
  store.addPending(checks.unchecked);
  meta.imagesTotal = urls.size;
  meta.imagesChecked = checks.known.size;
  meta.phase = "checking";
}

/** Checks the next queued URLs whose worst-case operations fit the budget (at least one URL). */
async function checkChunk(env: Bindings, store: RunStore, meta: RunMeta): Promise<void> {
  const chunk: { n: number; url: string }[] = [];
  let operations = 0;
  for (const item of store.pending()) {
    const cost = operationsOf(item.url, meta.limits);
    if (chunk.length > 0 && operations + cost > meta.budget - CHUNK_RESERVE) break;
    chunk.push(item);
    operations += cost;
  }
  if (chunk.length === 0) {
    meta.phase = "reporting";
    return;
  }
  const run = limiter(FETCH_SLOTS);
  const results = await Promise.all(
    chunk.map(({ url }) => run(() => checkImage(url, meta.limits, storeOf(env, meta)))),
  );
  const checked = chunk.map(({ url }, i): [string, ImageResult] => [url, results[i] as ImageResult]);
  await saveChecks(env.DB, meta.tenantId, checked);
  for (const [url, result] of checked) store.putResult(await urlHash(url), result);
  store.removePending(chunk.map((c) => c.n));
  meta.imagesChecked += chunk.length;
  meta.chunks++;
  meta.maxChunkOperations = Math.max(meta.maxChunkOperations, operations + CHUNK_RESERVE);
  if (store.pendingCount() === 0) meta.phase = "reporting";
}

/** Last step: the report from remembered results; URLs that appeared meanwhile are queued first. */
async function report(env: Bindings, store: RunStore, meta: RunMeta): Promise<void> {
  const values = bodyValues(store, meta);
  const known = new Map<string, ImageResult>();
  const missing: string[] = [];
  for (const url of await urlsOf(env, values, meta)) {
    const result = store.result(await urlHash(url));
    if (result) known.set(url, result);
    else missing.push(url);
  }
  if (missing.length > 0) {
    store.addPending(missing);
    meta.imagesTotal += missing.length;
    meta.phase = "checking";
    return;
  }
  const validator = new VisionValidator(meta.limits, storeOf(env, meta), known);
  const report = values
    ? await validateValues(validator, values, meta.existing)
    : await validateStored(env, validator, scopeOf(meta), meta.split);
  store.putReport(JSON.stringify(report));
  store.finish();
  meta.status = "completed";
  meta.completedAt = Math.floor(Date.now() / 1000);
}

/** Runs one step of the validation; true when it is over. */
export async function validationStep(env: Bindings, store: RunStore, meta: RunMeta): Promise<boolean> {
  if (meta.phase === "planning") await plan(env, store, meta);
  else if (meta.phase === "checking") await checkChunk(env, store, meta);
  else await report(env, store, meta);
  return meta.status !== "in_progress";
}
