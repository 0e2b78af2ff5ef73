import { z } from "@hono/zod-openapi";
import { OPENAI_API_PROFILES } from "../vision/profiles";

const Hyperparameters = z
  .looseObject({
    n_epochs: z.union([z.literal("auto"), z.number().int().min(1).max(50)]).optional(),
    batch_size: z.union([z.literal("auto"), z.number().int().min(1).max(256)]).optional(),
    learning_rate_multiplier: z.union([z.literal("auto"), z.number().positive()]).optional(),
  })
  .openapi("FineTuningHyperparameters");

export const CreateDatasetJobSchema = z
  .strictObject({
    model: z.string().min(1).optional().openapi({
      description:
        "The base model to fine-tune, e.g. gpt-4o-mini-2024-07-18. Required, except for vision datasets (default gpt-4o-2024-08-06).",
    }),
    suffix: z.string().min(1).max(64).optional(),
    seed: z.number().int().min(0).max(2147483647).optional(),
    method: z
      .looseObject({
        type: z.enum(["supervised", "dpo"]),
        supervised: z.looseObject({ hyperparameters: Hyperparameters.optional() }).optional(),
        dpo: z
          .looseObject({
            hyperparameters: Hyperparameters.extend({ beta: z.unknown().optional() }).optional(),
          })
          .optional(),
      })
      .optional()
      .openapi({ description: "`dpo` trains on preference pairs made from feedback corrections." }),
    hyperparameters: Hyperparameters.optional().openapi({
      description: "Deprecated upstream in favour of `method`.",
    }),
    images: z.enum(["inline", "url"]).default("inline").openapi({
      description:
        "Vision datasets: images inline as data URLs (training never depends on a URL), or as signed expiring Edgegate URLs the provider downloads (for datasets with more images than one request can inline; the gateway must be reachable from the provider).",
    }),
    vision_profile: z.enum(OPENAI_API_PROFILES).optional().openapi({
      description:
        "Vision datasets: the rules the training file is checked against. Default: the dataset's profile when it is one of these, else `openai`.",
    }),
  })
  .openapi("CreateDatasetFineTuningJobRequest");

/** A job request whose model is settled (named, or the vision default). */
export type CreateDatasetJob = z.infer<typeof CreateDatasetJobSchema> & { model: string };

export const DatasetJobSchema = z
  .looseObject({
    id: z.string(),
    object: z.literal("fine_tuning.job"),
    status: z.string(),
    model: z.string(),
    fine_tuned_model: z.string().nullable(),
    dataset_id: z.string(),
    events: z.array(z.looseObject({})).optional(),
    metrics: z.looseObject({}).nullable().optional(),
  })
  .openapi("DatasetFineTuningJob", {
    description: "The provider's job object, plus the dataset and what Edgegate kept.",
  });

export const DatasetJobListSchema = z
  .object({ object: z.literal("list"), data: z.array(DatasetJobSchema), has_more: z.boolean() })
  .openapi("DatasetFineTuningJobList");

/** `POST /v1/fine_tuning/jobs`: the fields the gateway checks; the rest goes to the provider as sent. */
export const CreateFineTuningJobSchema = z
  .looseObject({
    model: z.string().min(1).openapi({
      description:
        "A base model within the tenant's `allowed_models`, or one of the tenant's own fine-tuned models.",
    }),
    training_file: z
      .string()
      .min(1)
      .openapi({ description: "A file the tenant uploaded through the gateway." }),
    validation_file: z.string().min(1).nullable().optional().openapi({
      description: "A file the tenant uploaded through the gateway.",
    }),
  })
  .openapi("CreateFineTuningJobRequest", {
    description: "OpenAI CreateFineTuningJobRequest (checked for ownership, then passed through).",
  });

export type CreateFineTuningJob = z.infer<typeof CreateFineTuningJobSchema>;
