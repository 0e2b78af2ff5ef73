/**
 * Export of vision datasets: every example is validated first (images fetched and stored once),
 * then streamed with each image either inline as a data URL from the store or as a signed,
 * expiring Edgegate URL. An invalid dataset is refused with the report unless `skip_invalid`.
 * @see docs/openai-reference.md E
 */
import { examplePage } from "../datasets/example-bodies";
import type { DatasetRow, ExampleRow } from "../datasets/repository";
import type { Split } from "../datasets/split";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { saveChecks } from "./check-cache";
import { loadImage } from "./fetch-image";
import type { ImageResult } from "./image-check";
import { mimeOf, readImageInfo } from "./image-info";
import { mapImageUrls } from "./parts";
import { PAGE_ROWS, planChecks, storedImageUrls } from "./plan";
import { operationBudget, type VisionLimits } from "./settings";
import { getImage, type ImageStore, imageStore, putImage, signedImageUrl } from "./store";
import { type ExampleReport, type VisionSummary, VisionValidator } from "./validate";

/** Lifetime of `images=url` links: long enough for a provider to validate and train. */
export const SIGNED_URL_TTL_SECONDS = 7 * 24 * 3600;

export interface VisionExportOptions {
  images: "inline" | "url";
  skipInvalid: boolean;
  origin: string;
}

/** 422 whose body carries, beside OpenAI's `error`, the report of the invalid examples. */
export class InvalidDatasetError extends GatewayError {
  constructor(readonly report: { examples: ExampleReport[]; summary: VisionSummary }) {
    const first = report.examples[0];
    const where = first
      ? ` The first is example ${first.index}: ${first.errors[0]?.path} ${first.errors[0]?.message}.`
      : "";
    super(
      422,
      `${report.summary.invalid_examples} example(s) of this vision dataset are invalid; fix them or export with skip_invalid=true.${where}`,
      { param: "dataset_id", code: "invalid_dataset" },
    );
  }

  override getResponse(): Response {
    return Response.json(
      { ...this.body(), report: this.report },
      { status: this.status, headers: this.headers },
    );
  }
}

/**
 * The remembered checks of a split's images, when what is left to do fits one request: images not
 * checked yet (a background validation does those), plus one image-store read per image inlined.
 */
async function checkBudget(
  env: Bindings,
  dataset: DatasetRow,
  split: Split | "all",
  limits: VisionLimits,
  images: VisionExportOptions["images"],
): Promise<Map<string, ImageResult>> {
  const urls = await storedImageUrls(env, dataset, split, limits);
  const plan = await planChecks(env.DB, dataset.tenant_id, urls, limits, 0);
  const budget = operationBudget(limits, env);
  if (plan.operations > budget) {
    throw new GatewayError(
      409,
      `${plan.unchecked.length} image(s) of this vision dataset have not been validated yet (up to ${plan.operations} image operations, more than the ${budget} one request may spend). Validate the dataset first with POST /v1/datasets/${dataset.id}/validate?stored=true, poll GET /v1/datasets/${dataset.id}/validations/{id} until its status is completed, then try again.`,
      { param: "dataset_id", code: "validation_required" },
    );
  }
  const reads = images === "inline" ? [...urls].filter((u) => !u.startsWith("data:")).length : 0;
  if (plan.operations + reads > budget) {
    throw new GatewayError(
      409,
      `Inlining ${reads} stored image(s) needs more image-store reads than the ${budget} one request may spend; use images=url instead (signed Edgegate URLs; "images": "url" when starting a fine-tuning job).`,
      { param: "images", code: "too_many_images_inline" },
    );
  }
  return plan.known;
}

async function validateAll(
  env: Bindings,
  dataset: DatasetRow,
  split: Split | "all",
  validator: VisionValidator,
): Promise<{ invalid: Set<number>; reports: ExampleReport[] }> {
  const invalid = new Set<number>();
  const reports: ExampleReport[] = [];
  let afterSeq = 0;
  let index = 0;
  for (;;) {
    const rows = await examplePage(env, dataset, split, afterSeq, PAGE_ROWS);
    if (rows.length === 0) return { invalid, reports };
    const checked = await validator.check(
      rows.map((r) => JSON.parse(r.example) as unknown),
      index,
    );
    checked.forEach((report, i) => {
      if (report.valid) return;
      const row = rows[i];
      if (row) invalid.add(row.seq);
      reports.push(report);
    });
    index += rows.length;
    afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
  }
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The stored image a checked URL gave; stored again if KV no longer has it, so no image is dropped. */
async function storedImage(
  store: ImageStore,
  sha: string,
  url: string,
  limits: VisionLimits,
): Promise<{ bytes: Uint8Array; format: string }> {
  const image = await getImage(store, sha);
  if (image) return { bytes: new Uint8Array(image.bytes), format: image.meta.format };
  const loaded = await loadImage(url, limits);
  const info = loaded.ok ? readImageInfo(loaded.bytes) : null;
  if (!loaded.ok || !info || "problem" in info) {
    throw new GatewayError(
      502,
      "An image changed or vanished while the dataset was exported; export again.",
      {
        type: "server_error",
        code: "image_unavailable",
      },
    );
  }
  await putImage(store, sha, loaded.bytes, info, { force: true });
  return { bytes: loaded.bytes, format: info.format };
}

function rewriter(
  store: ImageStore,
  validator: VisionValidator,
  limits: VisionLimits,
  opts: VisionExportOptions,
  secret: string,
) {
  // One image-store read per image, however many examples repeat it.
  const inlined = new Map<string, Promise<string>>();
  return async (url: string): Promise<string> => {
    const result = await validator.resultOf(url);
    if (!result?.ok) return url;
    if (opts.images === "url") {
      return signedImageUrl(opts.origin, secret, store, result.sha, SIGNED_URL_TTL_SECONDS);
    }
    // A data URL already holds the checked bytes: only its media type is set right.
    const b64 = /^data:[^,]*;base64,/.exec(url);
    if (b64) return `data:${mimeOf(result.info.format)};base64,${url.slice(b64[0].length)}`;
    let line = inlined.get(result.sha);
    if (!line) {
      line = storedImage(store, result.sha, url, limits).then(
        (image) => `data:${mimeOf(image.format)};base64,${base64(image.bytes)}`,
      );
      inlined.set(result.sha, line);
    }
    return line;
  };
}

async function lineOf(row: ExampleRow, rewrite: (url: string) => Promise<string>): Promise<string> {
  return JSON.stringify(await mapImageUrls(JSON.parse(row.example) as Record<string, unknown>, rewrite));
}

/** Validates the split, then streams it as JSONL with images inline or behind signed URLs. */
export async function visionExportStream(
  env: Bindings,
  dataset: DatasetRow,
  split: Split | "all",
  limits: VisionLimits,
  opts: VisionExportOptions,
): Promise<ReadableStream<Uint8Array>> {
  const secret = env.TOKEN_SECRET ?? "";
  if (opts.images === "url" && secret === "") {
    throw new GatewayError(
      503,
      "images=url needs the TOKEN_SECRET secret on the gateway; use images=inline.",
      {
        type: "server_error",
        code: "signing_disabled",
      },
    );
  }
  const store = imageStore(env, dataset.tenant_id);
  const known = await checkBudget(env, dataset, split, limits, opts.images);
  const validator = new VisionValidator(limits, store, known);
  const { invalid, reports } = await validateAll(env, dataset, split, validator);
  await saveChecks(env.DB, dataset.tenant_id, await validator.freshResults());
  if (invalid.size > 0 && !opts.skipInvalid) {
    throw new InvalidDatasetError({ examples: reports, summary: validator.summary() });
  }
  const rewrite = rewriter(store, validator, limits, opts, secret);
  const encoder = new TextEncoder();
  let afterSeq = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const rows = await examplePage(env, dataset, split, afterSeq, PAGE_ROWS);
        if (rows.length === 0) return controller.close();
        afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
        const lines = await Promise.all(
          rows.filter((r) => !invalid.has(r.seq)).map((r) => lineOf(r, rewrite)),
        );
        controller.enqueue(encoder.encode(lines.map((l) => `${l}\n`).join("")));
      },
    },
    { highWaterMark: 0 },
  );
}
