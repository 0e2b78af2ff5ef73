/** Vision datasets in the fine-tuning job flow: the default base model and inline training files. */
import type { DatasetKind } from "../datasets/examples";
import type { DatasetRow } from "../datasets/repository";
import type { Split } from "../datasets/split";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { visionExportStream } from "./export";
import type { VisionLimits } from "./settings";

/** The vision-capable base model of OpenAI's vision fine-tuning guide. @see OPENAI-REFERENCE.md E */
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

/**
 * One split of a vision dataset as training JSONL with every image inline, so training never
 * depends on a URL; an invalid example refuses the job with the validation report.
 */
export async function visionTrainingFile(
  env: Bindings,
  dataset: DatasetRow,
  split: Split,
  limits: VisionLimits,
): Promise<{ jsonl: string; lines: number }> {
  const stream = await visionExportStream(env, dataset, split, limits, {
    images: "inline",
    skipInvalid: false,
    origin: "",
  });
  const jsonl = await new Response(stream).text();
  return { jsonl, lines: jsonl === "" ? 0 : jsonl.split("\n").length - 1 };
}
