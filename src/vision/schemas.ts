import { z } from "@hono/zod-openapi";

const IssueSchema = z
  .object({ path: z.string(), code: z.string(), message: z.string() })
  .openapi("VisionIssue");

export const VisionExampleReportSchema = z
  .object({
    index: z.number().int().openapi({ description: "0-based position of the example." }),
    valid: z.boolean(),
    errors: z.array(IssueSchema),
    warnings: z.array(IssueSchema),
    images: z.number().int(),
    estimated_tokens: z.number().int(),
    estimated_cost_usd: z
      .number()
      .nullable()
      .openapi({ description: "Null when the profile's trainer is not priced per token." }),
  })
  .openapi("VisionExampleReport");

export const VisionSummarySchema = z
  .object({
    profile: z.string().openapi({ description: "The trainer whose rules were applied." }),
    examples: z.number().int(),
    valid_examples: z.number().int(),
    invalid_examples: z.number().int(),
    examples_with_images: z.number().int(),
    images: z.number().int(),
    unique_images: z.number().int(),
    estimated_tokens: z.number().int(),
    estimated_cost_usd: z.number().nullable(),
    errors: z
      .array(IssueSchema)
      .openapi({ description: "Dataset-level rules (minimum size, images per file)." }),
  })
  .openapi("VisionValidationSummary");

export const ImageParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export const ImageQuery = z.object({
  t: z.string().min(1).openapi({ description: "The tenant whose store holds the image." }),
  exp: z.coerce.number().int().openapi({ description: "Expiry, Unix seconds." }),
  sig: z.string().min(1).openapi({ description: "HMAC-SHA256 of the image and expiry." }),
});
