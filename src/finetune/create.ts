/**
 * Starting a fine-tuning job from a dataset: the provider's rules are checked first (at least 10
 * training lines, per-example token budget, file size), then the splits are uploaded as `fine-tune`
 * files and the job is created and stored.
 * @see docs/openai-reference.md D.3, D.4, D.5
 */

import { type ExampleStorage, examplePage } from "../datasets/example-bodies";
import { dpoLine, type ExportFormat } from "../datasets/export";
import type { DatasetRow } from "../datasets/repository";
import type { Split } from "../datasets/split";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import type { JsonObject } from "../platform/json";
import { type VisionTrainingOptions, visionTrainingFile } from "../vision/training-file";
import { rememberFile, rememberJob } from "./ownership";
import { createUpstreamJob, type FineTuningTarget, uploadJsonl } from "./provider";
import { insertJob, type JobRow } from "./repository";
import type { CreateDatasetJob } from "./schemas";

export const MIN_TRAINING_EXAMPLES = 10;
/** Training tokens allowed per example (gpt-4o-mini-2024-07-18; longer examples would be truncated). */
export const MAX_TOKENS_PER_EXAMPLE = 65_536;
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** The toy estimate providers' own validators use before tokenising: about 4 characters per token. */
const CHARS_PER_TOKEN = 4;

interface SplitFile {
  jsonl: string;
  lines: number;
}

/** One split as training JSONL (chat or OpenAI DPO lines), checking each line's size on the way. */
export async function collect(
  env: ExampleStorage,
  dataset: DatasetRow,
  split: Split,
  format: ExportFormat,
): Promise<SplitFile> {
  let jsonl = "";
  let lines = 0;
  let afterSeq = 0;
  for (;;) {
    const rows = await examplePage(env, dataset, split, afterSeq, 500);
    if (rows.length === 0) return { jsonl, lines };
    afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
    for (const row of rows) {
      const line = format === "chat" ? row.example : dpoLine(row);
      if (line === null) continue;
      if (line.length / CHARS_PER_TOKEN > MAX_TOKENS_PER_EXAMPLE) {
        throw new GatewayError(
          400,
          `Example ${row.id} is longer than ${MAX_TOKENS_PER_EXAMPLE} tokens; shorten or remove it.`,
          {
            param: "dataset_id",
            code: "example_too_long",
          },
        );
      }
      jsonl += `${line}\n`;
      lines++;
      if (jsonl.length > MAX_FILE_BYTES) {
        throw new GatewayError(400, "The training file would exceed 512 MB.", {
          param: "dataset_id",
          code: "file_too_large",
        });
      }
    }
  }
}

/** The job body sent upstream: the caller's options plus the uploaded files and Edgegate metadata. */
function jobBody(
  req: CreateDatasetJob,
  dataset: DatasetRow,
  training: JsonObject,
  validation: JsonObject | null,
): JsonObject {
  const body: JsonObject = {
    model: req.model,
    training_file: training.id,
    metadata: { edgegate_dataset: dataset.id },
  };
  if (validation) body.validation_file = validation.id;
  if (req.suffix) body.suffix = req.suffix;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.method) body.method = req.method;
  if (req.hyperparameters) body.hyperparameters = req.hyperparameters;
  return body;
}

/**
 * Checks the dataset against the provider's rules, uploads its splits and creates the job at
 * `target` (a base URL, or a tenant provider's endpoint); nothing is recorded.
 */
export async function uploadAndCreate(
  env: Bindings,
  target: FineTuningTarget,
  dataset: DatasetRow,
  req: CreateDatasetJob,
  /** The client's request id, which the uploads and the job creation carry upstream. */
  requestId: string,
  vision?: VisionTrainingOptions,
): Promise<{ files: JsonObject[]; job: JsonObject }> {
  const format: ExportFormat = req.method?.type === "dpo" ? "dpo" : "chat";
  // Vision datasets: every image checked first, then inlined or behind signed URLs.
  const splitFile = (split: Split) =>
    vision && format === "chat"
      ? visionTrainingFile(env, dataset, split, vision)
      : collect(env, dataset, split, format);
  const train = await splitFile("train");
  if (train.lines < MIN_TRAINING_EXAMPLES) {
    const what = format === "dpo" ? "preference pairs (examples with a correction)" : "examples";
    throw new GatewayError(
      400,
      `Fine-tuning needs at least ${MIN_TRAINING_EXAMPLES} training ${what}; the train split has ${train.lines}.`,
      {
        param: "dataset_id",
        code: "insufficient_examples",
      },
    );
  }
  const validation = await splitFile("validation");
  const upload = (name: string, jsonl: string) =>
    uploadJsonl(env, target, `${dataset.id}-${name}.jsonl`, jsonl, requestId);
  const trainingFile = await upload("train", train.jsonl);
  const validationFile = validation.lines > 0 ? await upload("validation", validation.jsonl) : null;
  const job = await createUpstreamJob(
    env,
    target,
    jobBody(req, dataset, trainingFile, validationFile),
    requestId,
  );
  return { files: validationFile ? [trainingFile, validationFile] : [trainingFile], job };
}

export async function startDatasetJob(
  env: Bindings,
  baseUrl: string,
  dataset: DatasetRow,
  req: CreateDatasetJob,
  requestId: string,
  vision?: VisionTrainingOptions,
): Promise<JobRow> {
  const { files, job } = await uploadAndCreate(env, baseUrl, dataset, req, requestId, vision);
  // The uploads and the job are the tenant's: its file list shows them and their content is readable.
  for (const file of files) await rememberFile(env.DB, dataset.tenant_id, baseUrl, file);
  await rememberJob(env, dataset.tenant_id, baseUrl, job);
  const now = Math.floor(Date.now() / 1000);
  const row: JobRow = {
    id: String(job.id),
    tenant_id: dataset.tenant_id,
    dataset_id: dataset.id,
    base_url: baseUrl,
    model: req.model,
    status: String(job.status),
    fine_tuned_model: typeof job.fine_tuned_model === "string" ? job.fine_tuned_model : null,
    job: JSON.stringify(job),
    events: null,
    metrics: null,
    created_at: now,
    updated_at: now,
  };
  await insertJob(env.DB, row);
  return row;
}
