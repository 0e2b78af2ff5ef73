/**
 * The training bundle of an `external` job: the dataset's splits as JSONL (chat lines for SFT,
 * preference pairs from feedback corrections for DPO), an axolotl LoRA recipe, and `manifest.json`
 * naming the method, base model, hyperparameters, counts and each file's SHA-256. Provider keys and
 * callback secrets are never part of it.
 */

import type { DatasetRow } from "../datasets/repository";
import type { Split } from "../datasets/split";
import { collect, MIN_TRAINING_EXAMPLES } from "../finetune/create";
import { sha256Hex } from "../identity/crypto";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { type VisionTrainingOptions, visionTrainingFile } from "../vision/training-file";
import type { BundleStore } from "./bundle-store";
import { axolotlYaml } from "./recipes";
import type { Method } from "./repository";
import type { TrainingHyperparameters } from "./schemas";
import { BUNDLE_URL_TTL_SECONDS, signedBundleUrl } from "./signed-url";

export const BUNDLE_FORMAT = "edgegate.training-bundle.v1";
export const MANIFEST = "manifest.json";

export interface BundleFile {
  name: string;
  sha256: string;
  bytes: number;
}

export interface BundleRequest {
  jobId: string;
  dataset: DatasetRow;
  method: Method;
  model: string;
  hyperparameters: TrainingHyperparameters;
  provider: string | null;
  /** Vision datasets: the profile's limits and how images travel (inline or signed URLs). */
  vision?: VisionTrainingOptions;
}

/** OpenAI's DPO line as TRL's conversational preference record (`prompt`, `chosen`, `rejected`). */
function preferenceLine(line: string): string {
  const dpo = JSON.parse(line) as {
    input: { messages: unknown[] };
    preferred_output: unknown[];
    non_preferred_output: unknown[];
  };
  return JSON.stringify({
    prompt: dpo.input.messages,
    chosen: dpo.preferred_output,
    rejected: dpo.non_preferred_output,
  });
}

async function split(env: Bindings, req: BundleRequest, which: Split) {
  // Vision examples: every image checked under the profile, then inlined or behind signed URLs.
  if (req.vision) return visionTrainingFile(env, req.dataset, which, req.vision);
  const file = await collect(env, req.dataset, which, req.method === "dpo" ? "dpo" : "chat");
  if (req.method === "sft" || file.lines === 0) return file;
  const lines = file.jsonl.trimEnd().split("\n").map(preferenceLine);
  return { jsonl: `${lines.join("\n")}\n`, lines: file.lines };
}

/** Stores one file, encoded once for its size, hash and the put. */
async function putFile(
  store: BundleStore,
  jobId: string,
  name: string,
  content: string,
): Promise<BundleFile> {
  const bytes = new TextEncoder().encode(content);
  await store.put(jobId, name, bytes);
  return { name, sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
}

/** Writes the bundle to `store` and returns its files, the manifest last. */
export async function writeBundle(
  env: Bindings,
  store: BundleStore,
  req: BundleRequest,
): Promise<BundleFile[]> {
  if (req.vision && req.method === "dpo") {
    throw new GatewayError(
      400,
      "DPO bundles are made from chat datasets; train a vision dataset with method 'sft'.",
      {
        param: "method",
        code: "unsupported_dataset_kind",
      },
    );
  }
  const train = await split(env, req, "train");
  if (train.lines < MIN_TRAINING_EXAMPLES) {
    const what = req.method === "dpo" ? "preference pairs (examples with a correction)" : "examples";
    throw new GatewayError(
      400,
      `Training needs at least ${MIN_TRAINING_EXAMPLES} training ${what}; the train split has ${train.lines}.`,
      { param: "dataset_id", code: "insufficient_examples" },
    );
  }
  const validation = await split(env, req, "validation");
  const contents: [string, string][] = [["train.jsonl", train.jsonl]];
  if (validation.lines > 0) contents.push(["validation.jsonl", validation.jsonl]);
  contents.push([
    "axolotl.yaml",
    axolotlYaml(req.model, req.method, req.hyperparameters, validation.lines > 0, req.vision !== undefined),
  ]);
  const files: BundleFile[] = [];
  for (const [name, content] of contents) files.push(await putFile(store, req.jobId, name, content));
  const manifest = JSON.stringify(
    {
      format: BUNDLE_FORMAT,
      job_id: req.jobId,
      dataset_id: req.dataset.id,
      method: req.method,
      base_model: req.model,
      hyperparameters: req.hyperparameters,
      serve_on_provider: req.provider,
      counts: { train: train.lines, validation: validation.lines },
      ...(req.vision && {
        vision: { profile: req.vision.limits.profile, images: req.vision.images },
      }),
      files,
      recipes: { axolotl: "axolotl.yaml" },
      created_at: Math.floor(Date.now() / 1000),
    },
    null,
    2,
  );
  return [...files, await putFile(store, req.jobId, MANIFEST, manifest)];
}

/** Signed URLs of the bundle's files, valid {@link BUNDLE_URL_TTL_SECONDS} from now. */
export async function bundleLinks(
  ctx: { origin: string; secret: string },
  jobId: string,
  files: readonly BundleFile[],
) {
  const exp = Math.floor(Date.now() / 1000) + BUNDLE_URL_TTL_SECONDS;
  const url = (name: string) => signedBundleUrl(ctx.origin, ctx.secret, jobId, name, exp);
  return {
    manifest_url: await url(MANIFEST),
    files: await Promise.all(files.map(async (f) => ({ ...f, url: await url(f.name) }))),
    expires_at: exp,
  };
}
