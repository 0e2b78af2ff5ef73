import { z } from "@hono/zod-openapi";
import { type OutboundEnv, outboundDohUrl } from "../platform/outbound-dns";
import { VISION_PROFILE_NAMES, type VisionProfileName, visionProfile } from "./profiles";

/** The `vision` section of tenant settings: the provider's limits, kept per tenant (OpenAI's by default). */
export const VisionSettingsSchema = z
  .strictObject({
    profile: z.enum(VISION_PROFILE_NAMES).optional().openapi({
      description:
        "The trainer whose rules vision datasets are checked against when neither the dataset nor the request names one (docs/vision.md, profiles). Default `openai`. The limits below refine this default profile only.",
    }),
    allow_private_image_hosts: z.boolean().optional().openapi({
      description:
        "Fetch images from private, loopback and link-local addresses, and from host names that resolve to them (checked over DNS-over-HTTPS before each download). Default false.",
    }),
    max_images_per_example: z.number().int().min(1).max(1000).optional().openapi({
      description: "Images allowed per example. Default: the profile's (`openai` 10, `azure-openai` 64).",
    }),
    max_image_bytes: z.number().int().min(1).max(104_857_600).optional().openapi({
      description: "Largest image in bytes. Default: the profile's (`openai` 10 MB).",
    }),
    max_examples_with_images: z.number().int().min(1).optional().openapi({
      description: "Examples containing images per training file. Default: the profile's (`openai` 50,000).",
    }),
    fetch_timeout_ms: z.number().int().min(100).max(60_000).optional().openapi({
      description: "Time allowed to download one image. Default 10,000.",
    }),
    max_redirects: z.number().int().min(0).max(10).optional().openapi({
      description: "Redirects followed per image (each hop is checked again). Default 3.",
    }),
    request_budget: z.number().int().min(4).max(1000).optional().openapi({
      description:
        "Image operations (downloads, redirect hops, DNS lookups, image-store reads and writes) one request may spend. Larger validations run in the background in chunks of this size (an image whose worst case alone exceeds it is checked alone); export and fine-tuning jobs over it ask for a validation first. Default: the VISION_REQUEST_BUDGET variable, else 500 (Workers allow 1,000 KV operations per invocation, and 50 subrequests on the Free plan).",
    }),
    max_tokens_per_example: z.number().int().min(1).optional().openapi({
      description:
        "Training tokens allowed per example, images included. Default: the profile's (`openai` 65,536).",
    }),
  })
  .openapi("VisionSettings");

/** Image operations per request when neither the tenant nor VISION_REQUEST_BUDGET says otherwise. */
export const DEFAULT_REQUEST_BUDGET = 500;

/**
 * Image operations one invocation may spend: the tenant's `request_budget`, else VISION_REQUEST_BUDGET,
 * else 500 — under the 1,000 KV operations a Worker invocation may make.
 * @see https://developers.cloudflare.com/workers/platform/limits/#subrequests
 * @see https://developers.cloudflare.com/kv/platform/limits/
 */
export function operationBudget(limits: VisionLimits, env: { VISION_REQUEST_BUDGET?: string }): number {
  const fromEnv = Number(env.VISION_REQUEST_BUDGET);
  return limits.requestBudget ?? (fromEnv > 0 ? fromEnv : DEFAULT_REQUEST_BUDGET);
}

export type VisionSettings = z.infer<typeof VisionSettingsSchema>;

/** Limits in force for one tenant. */
export interface VisionLimits {
  /** The trainer whose rules apply (its image token rule and price; src/vision/profiles.ts). */
  profile: VisionProfileName;
  allowPrivateHosts: boolean;
  maxImagesPerExample: number;
  maxImageBytes: number;
  maxExamplesWithImages: number;
  fetchTimeoutMs: number;
  maxRedirects: number;
  /** The tenant's `request_budget`, when set (else the deployment's; see `operationBudget`). */
  requestBudget: number | undefined;
  /** DNS-over-HTTPS resolver that checks image host names (OUTBOUND_DOH_URL, formerly VISION_DOH_URL). */
  dohUrl: string;
  /** Private hosts the operator allows for every outbound URL (OUTBOUND_ALLOW_PRIVATE_HOSTS). */
  operatorAllowedHosts: string;
  /** Training tokens allowed per example (text and images). */
  maxTokensPerExample: number;
  /** Examples a dataset needs before it can train (OpenAI: 10). */
  minExamples: number;
}

/**
 * The limits in force. `profile`: the one the dataset or request names, whose model rules then apply
 * as they are; without one, the tenant's default profile refined by the tenant's own limits. The
 * fetch rules are always the tenant's. `env` supplies the deployment's DNS-over-HTTPS resolver.
 */
export function visionLimits(
  s: VisionSettings | undefined,
  env: OutboundEnv = {},
  profile?: VisionProfileName | null,
): VisionLimits {
  const p = visionProfile(profile ?? s?.profile ?? "openai");
  const own = profile ? undefined : s;
  return {
    profile: p.name,
    allowPrivateHosts: s?.allow_private_image_hosts ?? false,
    maxImagesPerExample: own?.max_images_per_example ?? p.maxImagesPerExample,
    maxImageBytes: own?.max_image_bytes ?? p.maxImageBytes,
    maxExamplesWithImages: own?.max_examples_with_images ?? p.maxExamplesWithImages,
    fetchTimeoutMs: s?.fetch_timeout_ms ?? 10_000,
    maxRedirects: s?.max_redirects ?? 3,
    requestBudget: s?.request_budget,
    dohUrl: outboundDohUrl(env),
    operatorAllowedHosts: env.OUTBOUND_ALLOW_PRIVATE_HOSTS ?? "",
    maxTokensPerExample: own?.max_tokens_per_example ?? p.maxTokensPerExample,
    minExamples: p.minExamples,
  };
}
