/**
 * Vision datasets in training jobs: which trainer's rules their images are checked under
 * (src/vision/profiles.ts) and how the training file carries them (inline, or at signed URLs).
 */
import type { Context } from "hono";
import type { DatasetRow } from "../datasets/repository";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { visionLimits } from "../vision";
import {
  isOpenAiApi,
  OPENAI_API_PROFILES,
  openAiJobProfile,
  profileForModel,
  type VisionProfileName,
} from "../vision/profiles";
import type { VisionTrainingOptions } from "../vision/training-file";
import type { CreateTrainingJob } from "./schemas";

/** The vision options of a job on `dataset`, or undefined for a chat dataset. */
export function trainingVision(
  c: Context<AppEnv>,
  dataset: DatasetRow,
  req: CreateTrainingJob,
): VisionTrainingOptions | undefined {
  if (dataset.kind !== "vision") return undefined;
  const settings = c.get("principal").tenant.settings.vision;
  let profile: VisionProfileName | null;
  if (req.trainer === "openai") {
    if (req.vision_profile && !isOpenAiApi(req.vision_profile)) {
      throw new GatewayError(
        400,
        `The openai trainer checks images under an OpenAI-API profile (${OPENAI_API_PROFILES.join(", ")}); '${req.vision_profile}' is for the external trainer.`,
        { param: "vision_profile", code: "invalid_value" },
      );
    }
    profile = openAiJobProfile(req.vision_profile, dataset.vision_profile, settings?.profile);
  } else {
    profile = req.vision_profile ?? dataset.vision_profile ?? profileForModel(req.model);
  }
  return {
    limits: visionLimits(settings, c.env, profile),
    images: req.images ?? (req.trainer === "openai" ? "inline" : "url"),
    origin: new URL(c.req.url).origin,
  };
}
