import { z } from "@hono/zod-openapi";
import { pageSchema } from "../platform/lists";
import { VISION_PROFILE_NAMES } from "../vision/profiles";
import { VisionExampleReportSchema, VisionSummarySchema } from "../vision/schemas";
import { MetadataSchema } from "./completions-schemas";

export const VisionProfileName = z.enum(VISION_PROFILE_NAMES).openapi("VisionProfileName");

export const DatasetIdParams = z.object({ dataset_id: z.string().min(1) });

export const CreateDatasetSchema = z
  .strictObject({
    name: z.string().min(1).max(256),
    kind: z.enum(["chat", "vision"]).default("chat"),
    validation_ratio: z.number().min(0).max(0.5).default(0.1).openapi({
      description:
        "Share of examples put in the validation split, by content hash (deterministic). Default 0.1.",
    }),
    vision_profile: VisionProfileName.optional().openapi({
      description:
        "Vision datasets: the trainer whose rules the examples are validated and exported under (docs/vision.md, profiles). Default: the tenant's `vision.profile`, else `openai`.",
    }),
  })
  .openapi("CreateDatasetRequest");

export const DatasetSchema = z
  .object({
    id: z.string(),
    object: z.literal("dataset"),
    name: z.string(),
    kind: z.enum(["chat", "vision"]),
    validation_ratio: z.number(),
    vision_profile: VisionProfileName.nullable().openapi({
      description: "Vision datasets: the trainer whose rules apply; null for the tenant's default.",
    }),
    created_at: z.number().int(),
    example_counts: z.object({
      train: z.number().int(),
      validation: z.number().int(),
      total: z.number().int(),
    }),
    webhook_secret: z.string().optional().openapi({
      description:
        "Only in the create response: the `whsec_…` secret that signs pushes to /hooks/datasets/:id.",
    }),
  })
  .openapi("Dataset");

export const DatasetListSchema = pageSchema(DatasetSchema).openapi("DatasetList");

export const DeletedDatasetSchema = z
  .object({ id: z.string(), object: z.literal("dataset.deleted"), deleted: z.boolean() })
  .openapi("DatasetDeleted");

export const PageQuery = z.object({
  after: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const AddExamplesJsonSchema = z
  .strictObject({
    examples: z.array(z.unknown()).min(1).openapi({ description: "Training lines (D.4 chat format)." }),
    redact_pii: z
      .boolean()
      .optional()
      .openapi({ description: "Replace emails, phone and card numbers first." }),
  })
  .openapi("AddExamplesRequest");

export const RedactQuery = z.object({
  redact_pii: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "For JSONL bodies: redact PII (JSON bodies use the `redact_pii` field)." }),
});

export const AddedExamplesSchema = z
  .object({
    object: z.literal("dataset.examples.added"),
    added: z.number().int(),
    duplicates: z.number().int(),
    example_counts: DatasetSchema.shape.example_counts,
  })
  .openapi("ExamplesAdded");

const ExampleErrorSchema = z.object({ line: z.number().int(), field: z.string(), message: z.string() });

export const ValidationReportSchema = z
  .object({
    object: z.literal("dataset.validation"),
    valid: z.boolean(),
    total: z.number().int(),
    errors: z.array(ExampleErrorSchema),
    examples: z
      .array(VisionExampleReportSchema)
      .optional()
      .openapi({ description: "Vision datasets: one report per example, every problem with its path." }),
    summary: VisionSummarySchema.optional(),
  })
  .openapi("DatasetValidationReport");

export const ValidationRunSchema = z
  .object({
    id: z.string(),
    object: z.literal("dataset.validation_run"),
    dataset_id: z.string(),
    source: z.enum(["request", "dataset"]).openapi({
      description:
        "`request`: the examples sent to validate; `dataset`: the stored examples (`stored=true`).",
    }),
    split: z.enum(["train", "validation", "all"]).nullable(),
    status: z.enum(["in_progress", "completed", "failed"]),
    created_at: z.number().int(),
    completed_at: z.number().int().nullable(),
    progress: z.object({
      images_total: z.number().int(),
      images_checked: z.number().int(),
      chunks: z.number().int().openapi({ description: "Background steps that checked images so far." }),
    }),
    request_budget: z.number().int().openapi({ description: "Image operations allowed per step." }),
    max_chunk_operations: z.number().int().openapi({
      description: "Most worst-case image operations any one step was allowed (at most request_budget).",
    }),
    report: ValidationReportSchema.nullable().openapi({ description: "Set once completed." }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .openapi("DatasetValidationRun");

export const ExampleSchema = z
  .looseObject({
    id: z.string(),
    object: z.literal("dataset.example"),
    split: z.enum(["train", "validation"]),
    source: z.string(),
    source_id: z.string().nullable().openapi({
      description: "What the example came from (a completion or Realtime session id), if known.",
    }),
    created_at: z.number().int(),
    example: z.looseObject({}),
  })
  .openapi("DatasetExample");

export const ExampleListSchema = pageSchema(ExampleSchema).openapi("DatasetExampleList");

export const ListExamplesQuery = PageQuery.extend({
  split: z.enum(["train", "validation", "all"]).default("all"),
});

export const ImportRequestSchema = z
  .strictObject({
    filter: z
      .strictObject({
        model: z.string().optional(),
        metadata: MetadataSchema.optional(),
        created_after: z.number().int().optional().openapi({ description: "Unix seconds (inclusive)." }),
        created_before: z.number().int().optional().openapi({ description: "Unix seconds (exclusive)." }),
        min_score: z
          .number()
          .optional()
          .openapi({ description: "Only completions with feedback at least this score." }),
      })
      .default({}),
    realtime_session_ids: z.array(z.string().min(1)).min(1).max(100).optional().openapi({
      description: "Import these finished Realtime sessions instead of captured completions.",
    }),
    limit: z.number().int().min(1).max(20_000).default(10_000).openapi({
      description: "Completions scanned per call (at most 20,000, to stay within one request's limits).",
    }),
    redact_pii: z.boolean().default(false),
    dry_run: z.boolean().default(false).openapi({
      description:
        "Add nothing: report how many examples would be added (`imported`) with a `sample` of their sources.",
    }),
  })
  .openapi("ImportCompletionsRequest");

export const ImportSampleSchema = z
  .object({
    completion_id: z.string().openapi({ description: "The captured completion (or Realtime session) id." }),
    model: z.string(),
    created: z.number().int().openapi({ description: "Unix seconds." }),
    preview: z.string().openapi({ description: "At most 120 characters of the last user message." }),
  })
  .openapi("DatasetImportSample");

export const ImportReportSchema = z
  .object({
    object: z.literal("dataset.import"),
    dry_run: z.boolean(),
    scanned: z.number().int(),
    imported: z.number().int().openapi({ description: "Examples added; in a dry run, how many would be." }),
    duplicates: z.number().int(),
    skipped: z.number().int(),
    errors: z.array(ExampleErrorSchema.extend({ source_id: z.string() })),
    sample: z
      .array(ImportSampleSchema)
      .optional()
      .openapi({ description: "Dry runs only: up to 20 sources that would be added." }),
  })
  .openapi("DatasetImportReport");

const profileQuery = VisionProfileName.optional().openapi({
  description:
    "Vision datasets: check under this trainer's rules instead of the dataset's (docs/vision.md, profiles).",
});

export const ValidateQuery = z.object({
  profile: profileQuery,
  stored: z.enum(["true", "false"]).default("false").openapi({
    description:
      "Vision datasets: validate the examples already stored (no body) instead of the request's; large ones run in the background (202).",
  }),
  split: z
    .enum(["train", "validation", "all"])
    .default("all")
    .openapi({ description: "With stored=true: the split to validate." }),
});

export const ExportQuery = z.object({
  profile: profileQuery,
  split: z.enum(["train", "validation", "all"]).default("all"),
  format: z.enum(["chat", "dpo"]).default("chat"),
  images: z.enum(["inline", "url"]).default("inline").openapi({
    description:
      "Vision datasets: images as data URLs from the store, or as signed expiring Edgegate URLs (`GET /v1/images/:sha256`).",
  }),
  skip_invalid: z.enum(["true", "false"]).default("false").openapi({
    description:
      "Vision datasets: leave invalid examples out instead of refusing the export with the report.",
  }),
});
