/** Request and response schemas of training jobs (they also generate the OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { PROVIDER_NAME } from "../providers/schemas";
import { VISION_PROFILE_NAMES } from "../vision/profiles";

const auto = <T extends z.ZodType>(schema: T) => z.union([z.literal("auto"), schema]);

export const TrainingHyperparametersSchema = z
  .strictObject({
    n_epochs: auto(z.number().int().min(1).max(50)).optional(),
    batch_size: auto(z.number().int().min(1).max(256)).optional(),
    learning_rate_multiplier: auto(z.number().positive().max(100)).optional().openapi({
      description: "`openai` trainer only.",
    }),
    learning_rate: z
      .number()
      .positive()
      .max(1)
      .optional()
      .openapi({ description: "`external` trainer only." }),
    lora_r: z.number().int().min(1).max(512).optional().openapi({ description: "`external` trainer only." }),
    lora_alpha: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .openapi({ description: "`external` trainer only." }),
    beta: auto(z.number().positive().max(2)).optional().openapi({ description: "DPO only." }),
  })
  .openapi("TrainingHyperparameters");

export type TrainingHyperparameters = z.infer<typeof TrainingHyperparametersSchema>;

export const CreateTrainingJobSchema = z
  .strictObject({
    trainer: z.enum(["openai", "external"]).openapi({
      description:
        "`openai`: a job on the tenant's OpenAI-compatible fine-tuning API (refused on OpenAI's own after its fine-tuning cutoff). `external`: the gateway writes a training bundle behind signed URLs and whoever trains reports back by signed callbacks.",
    }),
    model: z.string().min(1).max(256).openapi({
      description:
        "The base model: e.g. gpt-4.1-mini-2025-04-14 (`openai`) or llama-3.1-8b-instruct (`external`).",
    }),
    method: z.enum(["sft", "dpo"]).default("sft").openapi({
      description: "`dpo` trains on preference pairs made from feedback corrections.",
    }),
    hyperparameters: TrainingHyperparametersSchema.default({}),
    suffix: z.string().min(1).max(64).optional().openapi({ description: "`openai` trainer only." }),
    provider: z
      .string()
      .regex(PROVIDER_NAME, "a provider name is 1-40 lowercase letters, digits, '_' or '-'")
      .optional()
      .openapi({
        description:
          "`openai`: the tenant's provider registered for `fine_tuning` that trains and serves the student (default: the tenant's fine-tuning API). `external`: the tenant's provider that will serve the student; a succeeded callback must name it.",
      }),
    images: z.enum(["inline", "url"]).optional().openapi({
      description:
        "Vision datasets: images as data URLs in the training file, or as signed Edgegate URLs valid 7 days (`GET /v1/images/{sha256}`). Default `inline` for `openai`, `url` for `external` (a bundle file holds at most 32 MiB).",
    }),
    vision_profile: z.enum(VISION_PROFILE_NAMES).optional().openapi({
      description:
        "Vision datasets: the trainer rules the training file is checked against (docs/vision.md, profiles). Default: `openai`: the dataset's if it is an OpenAI-API profile, else `openai`; `external`: the dataset's, else the one that fits `model` (e.g. `qwen2.5-vl` for a Qwen2.5-VL base).",
    }),
  })
  .openapi("CreateTrainingJobRequest");

export type CreateTrainingJob = z.infer<typeof CreateTrainingJobSchema>;

export const JobIdParams = z.object({
  job_id: z.string().min(1).max(64),
});

const EventSchema = z
  .object({
    object: z.literal("fine_tuning.job.event"),
    id: z.string(),
    created_at: z.number().int(),
    level: z.enum(["info", "warn", "error"]),
    message: z.string(),
    type: z.enum(["message", "metrics"]),
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("TrainingJobEvent");

export type TrainingJobEvent = z.infer<typeof EventSchema>;

export const TrainingJobSchema = z
  .object({
    id: z.string(),
    object: z.literal("training.job"),
    trainer: z.enum(["openai", "external"]),
    dataset_id: z.string(),
    model: z.string(),
    method: z.enum(["sft", "dpo"]),
    hyperparameters: z.record(z.string(), z.unknown()),
    provider: z.string().nullable(),
    status: z.enum(["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]),
    fine_tuned_model: z.string().nullable().openapi({
      description: "Once succeeded: the student as requests name it (`ft:…`, or `provider/model`).",
    }),
    fine_tuning_job_id: z.string().nullable().openapi({ description: "`openai`: the provider's job." }),
    created_at: z.number().int(),
    finished_at: z.number().int().nullable(),
    error: z.object({ message: z.string() }).nullable(),
    metrics: z.record(z.string(), z.unknown()).nullable(),
    events: z.array(EventSchema),
    bundle: z
      .object({
        manifest_url: z.string(),
        files: z.array(
          z.object({ name: z.string(), url: z.string(), sha256: z.string(), bytes: z.number() }),
        ),
        expires_at: z.number().int(),
      })
      .nullable()
      .openapi({ description: "`external`: signed URLs, fresh at each read, valid 24 hours." }),
    callback_url: z.string().nullable(),
    callback_secret: z.string().optional().openapi({
      description: "`external`, at creation only: the `whsec_` secret the trainer signs callbacks with.",
    }),
  })
  .openapi("TrainingJob");

export const TrainingJobListSchema = z
  .object({ object: z.literal("list"), data: z.array(TrainingJobSchema), has_more: z.boolean() })
  .openapi("TrainingJobList");

export const CallbackSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("running") }),
    z.strictObject({
      type: z.literal("progress"),
      step: z.number().int().min(0),
      total_steps: z.number().int().min(1),
      train_loss: z.number().min(0).optional(),
    }),
    z.strictObject({
      type: z.literal("succeeded"),
      provider: z.string().regex(PROVIDER_NAME),
      model: z.string().min(1).max(256).optional(),
      adapter: z.string().min(1).max(256).optional().openapi({
        description: "A LoRA adapter the provider serves by name (vLLM style): the student's model id.",
      }),
    }),
    z.strictObject({ type: z.literal("failed"), error: z.string().min(1).max(4000) }),
  ])
  .openapi("TrainingCallback");

export type Callback = z.infer<typeof CallbackSchema>;
