/**
 * Export of vision datasets: every example is validated first (images fetched and stored once),
 * then streamed with each image either inline as a data URL from the store or as a signed,
 * expiring Edgegate URL. An invalid dataset is refused with the report unless `skip_invalid`.
 * @see OPENAI-REFERENCE.md E
 */
import { type DatasetRow, type ExampleRow, pageExamples } from "../datasets/repository";
import type { Split } from "../datasets/split";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { loadImage } from "./fetch-image";
import { mimeOf, readImageInfo } from "./image-info";
import { mapImageUrls } from "./parts";
import type { VisionLimits } from "./settings";
import { getImage, type ImageStore, putImage, signedImageUrl } from "./store";
import { type ExampleReport, type VisionSummary, VisionValidator } from "./validate";

/** Rows validated and streamed per page. */
const PAGE_ROWS = 100;
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

async function validateAll(
  env: Bindings,
  datasetId: string,
  split: Split | "all",
  validator: VisionValidator,
): Promise<{ invalid: Set<number>; reports: ExampleReport[] }> {
  const invalid = new Set<number>();
  const reports: ExampleReport[] = [];
  let afterSeq = 0;
  let index = 0;
  for (;;) {
    const rows = await pageExamples(env.DB, datasetId, split, afterSeq, PAGE_ROWS);
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
  validator: VisionValidator,
  url: string,
  limits: VisionLimits,
): Promise<{ sha: string; bytes: Uint8Array; format: string } | null> {
  const sha = await validator.shaOf(url);
  if (!sha) return null;
  const image = await getImage(store, sha);
  if (image) return { sha, bytes: new Uint8Array(image.bytes), format: image.meta.format };
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
  return { sha, bytes: loaded.bytes, format: info.format };
}

function rewriter(
  store: ImageStore,
  validator: VisionValidator,
  limits: VisionLimits,
  opts: VisionExportOptions,
  secret: string,
) {
  return async (url: string): Promise<string> => {
    const image = await storedImage(store, validator, url, limits);
    if (!image) return url;
    if (opts.images === "url") {
      return signedImageUrl(opts.origin, secret, store, image.sha, SIGNED_URL_TTL_SECONDS);
    }
    return `data:${mimeOf(image.format)};base64,${base64(image.bytes)}`;
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
  const store: ImageStore = { kv: env.CACHE, tenant: dataset.tenant_id };
  const datasetId = dataset.id;
  const validator = new VisionValidator(limits, store);
  const { invalid, reports } = await validateAll(env, datasetId, split, validator);
  if (invalid.size > 0 && !opts.skipInvalid) {
    throw new InvalidDatasetError({ examples: reports, summary: validator.summary() });
  }
  const rewrite = rewriter(store, validator, limits, opts, secret);
  const encoder = new TextEncoder();
  let afterSeq = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const rows = await pageExamples(env.DB, datasetId, split, afterSeq, PAGE_ROWS);
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
