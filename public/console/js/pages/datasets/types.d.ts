/**
 * API shapes the datasets page reads (datasets, examples, validation, import, fine-tuning jobs,
 * evaluations, aliases), derived from the server's zod schemas: a field the server renames or drops
 * fails `tsc -p tsconfig.console.json` wherever the console reads it. Declarations only: checked by
 * tsc, never served (public/.assetsignore; src/ is outside the assets directory).
 */
import type { z } from "@hono/zod-openapi";
import type { AliasSchema } from "../../../../../src/aliases/schemas";
import type {
  DatasetSchema,
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

/** The server's schema leaves the example open; these are the stored fields the console shows. */
export type DatasetExample = z.output<typeof ExampleSchema> & {
  source_id?: string | null;
  created_at?: number;
};

/** `GET /v1/datasets/{id}/examples` (the route declares no response schema). */
export interface ExamplePage {
  object: "list";
  data: DatasetExample[];
  has_more: boolean;
  last_id?: string | null;
}

export type ExampleReport = z.output<typeof VisionExampleReportSchema>;
/** One problem of a vision example, at a path such as `messages[1].content[2]`. */
export type Issue = ExampleReport["errors"][number];
export type VisionSummary = z.output<typeof VisionSummarySchema>;
export type ValidationReport = z.output<typeof ValidationReportSchema>;
export type ValidationRun = z.output<typeof ValidationRunSchema>;
export type ImportSample = z.output<typeof ImportSampleSchema>;
export type ImportReport = z.output<typeof ImportReportSchema>;

/** The provider's job object, open in the server's schema; these are the provider's fields the console shows. */
export type FineTuningJob = z.output<typeof DatasetJobSchema> & {
  created_at?: number;
  error?: { message?: string | null } | null;
  metrics?: Record<string, number> | null;
};

/** One event of a job (`events`, open in the server's schema): OpenAI's fine-tuning job event. */
export interface FineTuningEvent {
  id: string;
  created_at: number;
  level: string;
  message: string;
  type?: string;
  data?: Record<string, unknown> | null;
}

type ServerEvaluation = z.output<typeof EvalSchema>;
/** An evaluation, its `items` with the fields the server's schema leaves open. */
export type Evaluation = Omit<ServerEvaluation, "items"> & { items?: EvalItem[] };
export type ModelSummary = NonNullable<ServerEvaluation["summary"]>[number];

/** One model's answer to an item (`items[].results`, open in the server's schema). */
export interface ModelResult {
  output: string;
  score: number;
  passed: boolean;
  latency_ms: number;
  cost_usd: number;
  error?: string;
}

/** One item of a completed evaluation: the server's `items[]` with the fields it leaves open. */
export type EvalItem = NonNullable<ServerEvaluation["items"]>[number] & {
  reference: string;
  results: ModelResult[];
  judge?: { swapped: boolean; reason: string };
};

export type ModelAlias = z.output<typeof AliasSchema>;
