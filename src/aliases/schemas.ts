import { z } from "@hono/zod-openapi";

export const AliasParams = z.object({
  id: z.string().min(1),
  alias: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only"),
});

export const TenantParams = z.object({ id: z.string().min(1) });

export const PutAliasSchema = z
  .strictObject({
    model: z.string().min(1),
    canary: z
      .strictObject({ model: z.string().min(1), percent: z.number().min(0).max(100) })
      .nullable()
      .optional()
      .openapi({ description: "Send a stable share of end users (by hash of the user) to another model." }),
  })
  .openapi("PutAliasRequest");

export const PromoteSchema = z
  .strictObject({
    eval_id: z.string().min(1),
    threshold: z.number().min(0).max(1).default(0).openapi({
      description: "How far below the baseline's pass rate and mean score the candidate may be. Default 0.",
    }),
  })
  .openapi("PromoteAliasRequest");

export const AliasSchema = z
  .object({
    object: z.literal("model_alias"),
    alias: z.string(),
    model: z.string(),
    canary: z.object({ model: z.string(), percent: z.number() }).nullable(),
    promoted_eval_id: z.string().nullable(),
    updated_at: z.number().int(),
  })
  .openapi("ModelAlias");
