/** Vision datasets in the fine-tuning job flow: the default base model and inline training files. */
import type { DatasetKind } from "../datasets/examples";
import type { DatasetRow } from "../datasets/repository";
import type { Split } from "../datasets/split";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { visionExportStream } from "./export";
import type { VisionLimits } from "./settings";

/** The vision-capable base model of OpenAI's vision fine-tuning guide. @see docs/openai-reference.md E */
export const VISION_BASE_MODEL = "gpt-4o-2024-08-06";

/** The model to fine-tune when the request names none: only vision datasets have a default. */
export function defaultBaseModel(kind: DatasetKind, model: string | undefined): string {
  if (model) return model;
  if (kind === "vision") return VISION_BASE_MODEL;
  throw new GatewayError(400, "Missing required parameter: 'model'.", {
    param: "model",
    code: "missing_required_parameter",
  });
}

/** Largest training file a provider accepts (the chat limit in src/finetune/create.ts). */
export const MAX_TRAINING_FILE_BYTES = 512 * 1024 * 1024;

/** How a vision dataset becomes a training file. */
export interface VisionTrainingOptions {
  limits: VisionLimits;
  /** `inline` data URLs, or signed Edgegate `url`s the provider downloads. */
  images: "inline" | "url";
  /** This gateway's public origin, for `url`. */
  origin: string;
}

/**
 * One split of a vision dataset as training JSONL, images inline (so training never depends on a
 * URL) or behind signed Edgegate URLs. An invalid example (including one over the per-example
 * token limit, images counted from their size and detail) refuses the job with the validation
 * report; so does a file over the provider's size limit.
 */
export async function visionTrainingFile(
  env: Bindings,
  dataset: DatasetRow,
  split: Split,
  options: VisionTrainingOptions,
): Promise<{ jsonl: string; lines: number }> {
  const stream = await visionExportStream(env, dataset, split, options.limits, {
    images: options.images,
    skipInvalid: false,
    origin: options.origin,
  });
  const jsonl = await new Response(stream).text();
  if (jsonl.length > MAX_TRAINING_FILE_BYTES) {
    throw new GatewayError(
      400,
      `The ${split} file of this vision dataset would exceed 512 MB with images inline; use images: "url", detail 'low' images or fewer examples.`,
      { param: "images", code: "file_too_large" },
    );
  }
  return { jsonl, lines: jsonl === "" ? 0 : jsonl.split("\n").length - 1 };
}
