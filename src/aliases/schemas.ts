import { z } from "@hono/zod-openapi";

/** Longest model name an alias may store (OpenAI's ids, `ft:` names included, are far shorter). */
export const MODEL_NAME_MAX_CHARS = 256;
const modelName = () => z.string().min(1).max(MODEL_NAME_MAX_CHARS);

export const AliasParams = z.object({
  id: z.string().min(1).max(200),
  alias: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only"),
});

export const TenantParams = z.object({ id: z.string().min(1).max(200) });

export const PutAliasSchema = z
  .strictObject({
    model: modelName(),
    canary: z
      .strictObject({ model: modelName(), percent: z.number().min(0).max(100) })
      .nullable()
      .optional()
      .openapi({ description: "Send a stable share of end users (by hash of the user) to another model." }),
  })
  .openapi("PutAliasRequest");

export const PromoteSchema = z
  .strictObject({
    eval_id: z.string().min(1).max(200),
    threshold: z.number().min(0).max(1).default(0).openapi({
      description: "How far below the baseline's pass rate and mean score the candidate may be. Default 0.",
    }),
  })
  .openapi("PromoteAliasRequest");

export const AliasListQuery = z.object({
  eval_id: z.string().min(1).max(200).optional().openapi({
    description: "Judge each alias's promotion by this evaluation of the tenant (`promotion`).",
  }),
  threshold: z.coerce.number().min(0).max(1).default(0).openapi({
    description: "As in the promote request: how far below the baseline the candidate may be. Default 0.",
  }),
});

export const PromotionSchema = z
  .object({
    eval_id: z.string(),
    eligible: z
      .boolean()
      .openapi({ description: "Whether `POST …/promote` with this evaluation would promote." }),
    candidate: z
      .string()
      .nullable()
      .openapi({ description: "The evaluated candidate model; null while the evaluation has no summary." }),
    reason: z
      .string()
      .openapi({ description: "Why it may not be promoted (the 409's message), or that it may." }),
    code: z
      .enum(["eval_not_completed", "candidate_worse"])
      .nullable()
      .openapi({ description: "The 409's error code when not eligible." }),
  })
  .openapi("AliasPromotion", { description: "The promotion gate's verdict, computed by the gateway." });

export const AliasSchema = z
  .object({
    object: z.literal("model_alias"),
    alias: z.string(),
    model: z.string(),
    canary: z.object({ model: z.string(), percent: z.number() }).nullable(),
    promoted_eval_id: z.string().nullable(),
    updated_at: z.number().int(),
    promotion: PromotionSchema.nullable().openapi({
      description: "Set when the list is asked with `eval_id`; null otherwise.",
    }),
  })
  .openapi("ModelAlias");
