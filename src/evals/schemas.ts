import { z } from "@hono/zod-openapi";

export const GraderSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("exact") }),
    z.strictObject({ type: z.literal("json_equal") }),
    z.strictObject({ type: z.literal("text_similarity"), threshold: z.number().min(0).max(1).default(0.8) }),
    z.strictObject({
      type: z.literal("llm_judge"),
      model: z.string().min(1),
      rubric: z.string().min(1).max(4000),
      pass_threshold: z.number().min(0).max(1).default(0.5),
    }),
  ])
  .openapi("EvalGrader");

export const CreateEvalSchema = z
  .strictObject({
    models: z
      .tuple([z.string().min(1), z.string().min(1)])
      .openapi({ description: "[baseline, candidate], e.g. the teacher and the fine-tuned student." }),
    grader: GraderSchema,
    max_items: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(200)
      .openapi({ description: "Validation examples used." }),
  })
  .openapi("CreateEvalRequest");

export const EvalIdParams = z.object({ eval_id: z.string().min(1) });

const ModelSummarySchema = z.object({
  model: z.string(),
  items: z.number().int(),
  errors: z.number().int(),
  pass_rate: z.number(),
  mean_score: z.number(),
  win_rate: z.number(),
  latency_ms_p50: z.number(),
  latency_ms_mean: z.number(),
  cost_usd: z.number(),
});

const ModelResultSchema = z.object({
  output: z.string(),
  score: z.number(),
  passed: z.boolean(),
  latency_ms: z.number(),
  cost_usd: z.number(),
  error: z.string().optional().openapi({ description: "Set when the model call failed." }),
});

const EvalItemSchema = z.object({
  example_id: z.string(),
  reference: z.string().openapi({ description: "The example's expected answer." }),
  results: z.array(ModelResultSchema).openapi({ description: "One per model, in `models` order." }),
  judge: z.object({ swapped: z.boolean(), reason: z.string() }).optional().openapi({
    description: "`llm_judge` grader: the judge's reason, and whether the answers were shown swapped.",
  }),
});

export const EvalSchema = z
  .object({
    id: z.string(),
    object: z.literal("dataset.eval"),
    dataset_id: z.string(),
    status: z.enum(["queued", "in_progress", "completed", "failed"]),
    models: z.array(z.string()),
    grader: z.looseObject({ type: z.string() }),
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    summary: z.array(ModelSummarySchema).nullable(),
    error: z.string().nullable(),
    created_at: z.number().int(),
    completed_at: z.number().int().nullable(),
    items: z.array(EvalItemSchema).optional(),
  })
  .openapi("DatasetEval");
