/**
 * How many image operations a validation needs before it starts: the distinct image URLs of the
 * examples, minus those whose check is remembered, each costed at its worst case (every redirect hop
 * and its DNS lookup, plus the write to the image store). Work over the request budget runs in the
 * background instead of hitting the platform's per-invocation limits halfway.
 * @see https://developers.cloudflare.com/workers/platform/limits/#subrequests
 */
import { type DatasetScope, type ExampleStorage, examplePage } from "../datasets/example-bodies";
import type { Split } from "../datasets/split";
import { IMAGE_REF_PREFIX } from "./captured";
import { type CachedCheck, lookupChecks } from "./check-cache";
import type { ImageResult } from "./image-check";
import { imageParts } from "./parts";
import type { VisionLimits } from "./settings";

/** Distinct image URLs the validator loads from `values` (user messages, up to the per-example cap). */
export function imageUrlsOf(
  values: Iterable<unknown>,
  limits: VisionLimits,
  into = new Set<string>(),
): Set<string> {
  for (const value of values) {
    imageParts(value).forEach((p, n) => {
      if (p.role === "user" && typeof p.url === "string" && n < limits.maxImagesPerExample) into.add(p.url);
    });
  }
  return into;
}

/** Stored examples read per D1 query. */
export const PAGE_ROWS = 100;

/** Distinct image URLs of a dataset's split, read page by page (the examples themselves are not kept). */
export async function storedImageUrls(
  env: ExampleStorage,
  dataset: DatasetScope,
  split: Split | "all",
  limits: VisionLimits,
): Promise<Set<string>> {
  const urls = new Set<string>();
  for (let afterSeq = 0; ; ) {
    const rows = await examplePage(env, dataset, split, afterSeq, PAGE_ROWS);
    if (rows.length === 0) return urls;
    imageUrlsOf(
      rows.map((r) => JSON.parse(r.example) as unknown),
      limits,
      urls,
    );
    afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
  }
}

/** Worst-case operations of checking one URL. */
export function operationsOf(url: string, limits: VisionLimits): number {
  // A stored reference is one KV read; a data URL one KV write.
  if (url.startsWith(IMAGE_REF_PREFIX) || url.startsWith("data:")) return 1;
  if (!/^https?:/i.test(url)) return 0;
  const hops = 1 + limits.maxRedirects;
  // Each hop is a download, plus two DNS-over-HTTPS lookups (A, AAAA) unless private hosts are allowed.
  return hops * (limits.allowPrivateHosts ? 1 : 3) + 1;
}

export interface ImagePlan {
  /** Results to reuse, by URL. */
  known: Map<string, ImageResult>;
  /** URLs still to check, in first-seen order. */
  unchecked: string[];
  /** Worst-case operations of checking `unchecked`. */
  operations: number;
}

/**
 * Splits `urls` into remembered checks and those to do. Acceptable images are always reused; a
 * remembered failure only when it is younger than `reuseFailuresSince` (a new validation tries a
 * failed URL again, an export trusts the validation that just ran).
 */
export async function planChecks(
  db: D1Database,
  tenant: string,
  urls: Iterable<string>,
  limits: VisionLimits,
  reuseFailuresSince: number,
): Promise<ImagePlan> {
  const list = [...urls];
  const cached: Map<string, CachedCheck> = await lookupChecks(db, tenant, list);
  const known = new Map<string, ImageResult>();
  const unchecked: string[] = [];
  let operations = 0;
  for (const url of list) {
    const hit = cached.get(url);
    if (hit && (hit.result.ok || hit.checkedAt >= reuseFailuresSince)) known.set(url, hit.result);
    else {
      unchecked.push(url);
      operations += operationsOf(url, limits);
    }
  }
  return { known, unchecked, operations };
}
