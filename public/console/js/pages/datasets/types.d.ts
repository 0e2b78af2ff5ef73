/**
 * API shapes the datasets page reads (datasets, examples, validation, import, fine-tuning jobs,
 * evaluations, aliases), derived from the server's zod schemas: a field the server renames or drops
 * fails `tsc -p tsconfig.console.json` wherever the console reads it. Declarations only: checked by
 * tsc, never served (public/.assetsignore; src/ is outside the assets directory).
 */
import type { z } from "@hono/zod-openapi";
import type {
  FineTuningJobEvent,
  FineTuningJob as OpenAIFineTuningJob,
} from "openai/resources/fine-tuning/jobs/jobs";
import type { AliasSchema } from "../../../../../src/aliases/schemas";
import type {
  DatasetSchema,
  ExampleListSchema,
  ExampleSchema,
  ImportReportSchema,
  ImportSampleSchema,
  ValidationReportSchema,
  ValidationRunSchema,
} from "../../../../../src/datasets/schemas";
import type { EvalSchema } from "../../../../../src/evals/schemas";
import type { DatasetJobSchema } from "../../../../../src/finetune/schemas";
import type { VisionExampleReportSchema, VisionSummarySchema } from "../../../../../src/vision/schemas";

export type Dataset = z.output<typeof DatasetSchema>;

export type DatasetExample = z.output<typeof ExampleSchema>;
export type ExamplePage = z.output<typeof ExampleListSchema>;

export type ExampleReport = z.output<typeof VisionExampleReportSchema>;
/** One problem of a vision example, at a path such as `messages[1].content[2]`. */
export type Issue = ExampleReport["errors"][number];
export type VisionSummary = z.output<typeof VisionSummarySchema>;
export type ValidationReport = z.output<typeof ValidationReportSchema>;
export type ValidationRun = z.output<typeof ValidationRunSchema>;
export type ImportSample = z.output<typeof ImportSampleSchema>;
export type ImportReport = z.output<typeof ImportReportSchema>;

/** The provider's job (open in the server's schema): the OpenAI fields the console shows, typed by the SDK. */
export type FineTuningJob = z.output<typeof DatasetJobSchema> &
  Partial<Pick<OpenAIFineTuningJob, "created_at" | "error">>;

/** One event of a job, as OpenAI's API (and the gateway's passthrough) sends it. */
export type FineTuningEvent = FineTuningJobEvent;

export type Evaluation = z.output<typeof EvalSchema>;
export type ModelSummary = NonNullable<Evaluation["summary"]>[number];
export type EvalItem = NonNullable<Evaluation["items"]>[number];
export type ModelResult = EvalItem["results"][number];

export type ModelAlias = z.output<typeof AliasSchema>;
