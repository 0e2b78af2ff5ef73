import { z } from "@hono/zod-openapi";

/** The `vision` section of tenant settings: the provider's limits, kept per tenant (OpenAI's by default). */
export const VisionSettingsSchema = z
  .strictObject({
    allow_private_image_hosts: z.boolean().optional().openapi({
      description: "Fetch images from private, loopback and link-local addresses. Default false.",
    }),
    max_images_per_example: z.number().int().min(1).max(1000).optional().openapi({
      description: "Images allowed per example. Default 10 (OpenAI); Azure accepts 64.",
    }),
    max_image_bytes: z.number().int().min(1).max(104_857_600).optional().openapi({
      description: "Largest image in bytes. Default 10 MB.",
    }),
    max_examples_with_images: z.number().int().min(1).optional().openapi({
      description: "Examples containing images per training file. Default 50,000.",
    }),
    fetch_timeout_ms: z.number().int().min(100).max(60_000).optional().openapi({
      description: "Time allowed to download one image. Default 10,000.",
    }),
    max_redirects: z.number().int().min(0).max(10).optional().openapi({
      description: "Redirects followed per image (each hop is checked again). Default 3.",
    }),
  })
  .openapi("VisionSettings");

export type VisionSettings = z.infer<typeof VisionSettingsSchema>;

/** Limits in force for one tenant. */
export interface VisionLimits {
  allowPrivateHosts: boolean;
  maxImagesPerExample: number;
  maxImageBytes: number;
  maxExamplesWithImages: number;
  fetchTimeoutMs: number;
  maxRedirects: number;
  /** Examples a dataset needs before it can train (OpenAI: 10). */
  minExamples: number;
}

export function visionLimits(s: VisionSettings | undefined): VisionLimits {
  return {
    allowPrivateHosts: s?.allow_private_image_hosts ?? false,
    maxImagesPerExample: s?.max_images_per_example ?? 10,
    maxImageBytes: s?.max_image_bytes ?? 10 * 1024 * 1024,
    maxExamplesWithImages: s?.max_examples_with_images ?? 50_000,
    fetchTimeoutMs: s?.fetch_timeout_ms ?? 10_000,
    maxRedirects: s?.max_redirects ?? 3,
    minExamples: 10,
  };
}
