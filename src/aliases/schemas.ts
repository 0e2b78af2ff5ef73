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
