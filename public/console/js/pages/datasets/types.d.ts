/**
 * API shapes the datasets page reads (datasets, examples, validation, import, fine-tuning jobs,
 * evaluations, aliases). Declarations only: checked by tsc, never served (public/.assetsignore).
 */

export interface Dataset {
  id: string;
  object: "dataset";
  name: string;
  kind: "chat" | "vision";
  validation_ratio: number;
  vision_profile: string | null;
  created_at: number;
  example_counts: { train: number; validation: number; total: number };
}

export interface DatasetExample {
  id: string;
  object: "dataset.example";
  split: "train" | "validation";
  source: string;
  source_id?: string | null;
  created_at?: number;
  example: Record<string, unknown>;
}

export interface ExamplePage {
  object: "list";
  data: DatasetExample[];
  has_more: boolean;
  last_id?: string | null;
}

/** One problem of a vision example, at a path such as `messages[1].content[2]`. */
export interface Issue {
  path: string;
  code: string;
  message: string;
}

export interface ExampleReport {
  index: number;
  valid: boolean;
  errors: Issue[];
  warnings: Issue[];
  images: number;
  estimated_tokens: number;
  estimated_cost_usd: number | null;
}

export interface VisionSummary {
  profile: string;
  examples: number;
  valid_examples: number;
  invalid_examples: number;
  examples_with_images: number;
  images: number;
  unique_images: number;
  estimated_tokens: number;
  estimated_cost_usd: number | null;
  errors: Issue[];
}

export interface ValidationReport {
  object: "dataset.validation";
  valid: boolean;
  total: number;
  /** `line` is 1-based; `field` a path such as `messages[1].content`. */
  errors: { line: number; field: string; message: string }[];
  examples?: ExampleReport[];
  summary?: VisionSummary;
}

export interface ValidationRun {
  id: string;
  object: "dataset.validation_run";
  status: "in_progress" | "completed" | "failed";
  progress: { images_total: number; images_checked: number; chunks: number };
  report: ValidationReport | null;
  error: { code: string; message: string } | null;
}

export interface ImportSample {
  completion_id: string;
  model: string;
  created: number;
  preview: string;
}

export interface ImportReport {
  object: "dataset.import";
  dry_run?: boolean;
  scanned: number;
  imported: number;
  duplicates: number;
  skipped: number;
  errors: { line: number; field: string; message: string; source_id: string }[];
  sample?: ImportSample[];
}

export interface FineTuningJob {
  id: string;
  object: "fine_tuning.job";
  status: string;
  model: string;
  fine_tuned_model: string | null;
  dataset_id: string;
  created_at?: number;
  error?: { message?: string | null } | null;
  metrics?: Record<string, number> | null;
}

export interface FineTuningEvent {
  id: string;
  created_at: number;
  level: string;
  message: string;
  type?: string;
  data?: Record<string, unknown> | null;
}

export interface ModelResult {
  output: string;
  score: number;
  passed: boolean;
  latency_ms: number;
  cost_usd: number;
  error?: string;
}

export interface EvalItem {
  example_id: string;
  reference: string;
  results: ModelResult[];
  judge?: { swapped: boolean; reason: string };
}

export interface ModelSummary {
  model: string;
  items: number;
  errors: number;
  pass_rate: number;
  mean_score: number;
  win_rate: number;
  latency_ms_p50: number;
  latency_ms_mean: number;
  cost_usd: number;
}

export interface Evaluation {
  id: string;
  object: "dataset.eval";
  dataset_id: string;
  status: "queued" | "in_progress" | "completed" | "failed";
  models: string[];
  grader: { type: string };
  progress: { done: number; total: number };
  summary: ModelSummary[] | null;
  error: string | null;
  created_at: number;
  completed_at: number | null;
  items?: EvalItem[];
}

export interface ModelAlias {
  object: "model_alias";
  alias: string;
  model: string;
  canary: { model: string; percent: number } | null;
  promoted_eval_id: string | null;
  updated_at: number;
}
