/**
 * The life of a fine-tuning job: validating_files → queued → running → succeeded (or failed /
 * cancelled), one `state.config.fineTuneStepMs` per step, with events, metrics, checkpoints, a
 * results file, the new `ft:` model, and the `fine_tuning.job.*` webhook at the end.
 * @see docs/openai-reference.md D.5
 */

import type { FineTuningJobCheckpoint } from "openai/resources/fine-tuning/jobs/checkpoints";
import type { FineTuningJob, FineTuningJobEvent } from "openai/resources/fine-tuning/jobs/jobs";
import { createFile } from "./files";
import type { JobRecord } from "./fine-tuning";
import { TrainingFileError, type ValidatedFile, validateTrainingFile } from "./fine-tuning-validate";
import { ORGANIZATION } from "./models";
import type { SimState } from "./state";
import { cancelTimer, type SimStore, schedule } from "./store";
import { hash32, nowSeconds, randomId } from "./text";
import { sendWebhook } from "./webhooks";

const MAX_EVENTS = 1_000;
const METRIC_EVENTS = 5;
const MAX_FINE_TUNED_MODELS = 500;

export function addEvent(
  record: JobRecord,
  message: string,
  level: FineTuningJobEvent["level"] = "info",
  data: Record<string, unknown> = {},
  type: FineTuningJobEvent["type"] = "message",
): void {
  record.events.push({
    object: "fine_tuning.job.event",
    id: randomId("ftevent-", 24),
    created_at: nowSeconds(),
    level,
    message,
    data,
    type,
  });
  if (record.events.length > MAX_EVENTS) record.events.splice(0, record.events.length - MAX_EVENTS);
}

function later(
  state: SimState,
  store: SimStore,
  record: JobRecord,
  step: (() => void) | null,
  ms = state.config.fineTuneStepMs,
): void {
  if (!step) return;
  const timer = schedule(store, ms, () => {
    record.timers.delete(timer);
    step();
  });
  record.timers.add(timer);
}

export function isFinished(job: FineTuningJob): boolean {
  return job.status === "succeeded" || job.status === "failed" || job.status === "cancelled";
}

function finish(
  state: SimState,
  store: SimStore,
  record: JobRecord,
  status: "succeeded" | "failed" | "cancelled",
): void {
  for (const timer of record.timers) cancelTimer(store, timer);
  record.timers.clear();
  record.job.status = status;
  record.job.finished_at = nowSeconds();
  record.job.estimated_finish = null;
  sendWebhook(state, store, `fine_tuning.job.${status}`, { id: record.job.id });
}

export function startJob(
  state: SimState,
  store: SimStore,
  record: JobRecord,
  files: { training: Buffer; validation?: Buffer },
): void {
  const { job } = record;
  addEvent(record, `Created fine-tuning job: ${job.id}`);
  addEvent(
    record,
    `Validating training file: ${job.training_file}${job.validation_file ? ` and validation file: ${job.validation_file}` : ""}`,
  );
  later(state, store, record, () => {
    const validated = validateFiles(record, files);
    if ("code" in validated) {
      job.error = validated;
      addEvent(record, validated.message, "error");
      finish(state, store, record, "failed");
      return;
    }
    job.status = "queued";
    addEvent(record, "Files validated, moving job to queued state");
    later(state, store, record, () => run(state, store, record, validated));
  });
}

function validateFiles(
  record: JobRecord,
  files: { training: Buffer; validation?: Buffer },
): ValidatedFile | FineTuningJob.Error {
  let kind: "training" | "validation" = "training";
  try {
    const training = validateTrainingFile(files.training, record.method, record.base);
    kind = "validation";
    if (files.validation) validateTrainingFile(files.validation, record.method, record.base, 1);
    return training;
  } catch (error) {
    if (!(error instanceof TrainingFileError)) throw error;
    const message = `The job failed due to an invalid ${kind} file. ${error.message}`;
    return { code: `invalid_${kind}_file`, message, param: `${kind}_file` };
  }
}

function resolveHyperparameters(
  record: JobRecord,
  examples: number,
): { epochs: number; batch: number; lr: number } {
  const hp = record.job.hyperparameters;
  const epochs = typeof hp.n_epochs === "number" ? hp.n_epochs : examples < 30 ? 5 : 3;
  const batch = typeof hp.batch_size === "number" ? hp.batch_size : 1;
  const lr = typeof hp.learning_rate_multiplier === "number" ? hp.learning_rate_multiplier : 2;
  hp.n_epochs = epochs;
  hp.batch_size = batch;
  hp.learning_rate_multiplier = lr;
  const methodHp = record.job.method?.[record.method as "supervised"]?.hyperparameters;
  if (methodHp)
    Object.assign(methodHp, { n_epochs: epochs, batch_size: batch, learning_rate_multiplier: lr });
  return { epochs, batch, lr };
}

function lossAt(record: JobRecord, step: number, total: number): number {
  const noise = (hash32(record.job.id, String(step)) % 100) / 1000;
  return Number((2.2 * Math.exp((-3 * step) / total) + 0.05 + noise).toFixed(4));
}

function metrics(record: JobRecord, step: number, total: number): FineTuningJobCheckpoint.Metrics {
  const trainLoss = lossAt(record, step, total);
  const accuracy = Number(Math.min(0.99, 1 - trainLoss / 3).toFixed(4));
  return {
    step,
    train_loss: trainLoss,
    train_mean_token_accuracy: accuracy,
    valid_loss: trainLoss + 0.05,
    valid_mean_token_accuracy: accuracy - 0.02,
  };
}

function run(state: SimState, store: SimStore, record: JobRecord, validated: ValidatedFile): void {
  const { job } = record;
  job.status = "running";
  const { epochs, batch } = resolveHyperparameters(record, validated.examples);
  const stepsPerEpoch = Math.ceil(validated.examples / batch);
  const total = stepsPerEpoch * epochs;
  job.estimated_finish = nowSeconds() + Math.ceil(state.config.fineTuneStepMs / 1000);
  addEvent(record, "Fine-tuning job started");
  for (let i = 1; i <= METRIC_EVENTS; i++) {
    const step = Math.max(1, Math.round((total * i) / METRIC_EVENTS));
    later(
      state,
      store,
      record,
      () => {
        const data = { ...metrics(record, step, total), total_steps: total };
        addEvent(record, `Step ${step}/${total}: training loss=${data.train_loss}`, "info", data, "metrics");
      },
      (state.config.fineTuneStepMs * i) / (METRIC_EVENTS + 1),
    );
  }
  later(state, store, record, () =>
    succeed(state, store, record, validated, { epochs, stepsPerEpoch, total }),
  );
}

interface Plan {
  epochs: number;
  stepsPerEpoch: number;
  total: number;
}

/** Checkpoints at the end of each of the last three epochs; the last one is the model itself. */
function addCheckpoints(record: JobRecord, name: string, plan: Plan): void {
  for (let epoch = Math.max(1, plan.epochs - 2); epoch <= plan.epochs; epoch++) {
    const step = epoch * plan.stepsPerEpoch;
    record.checkpoints.push({
      object: "fine_tuning.job.checkpoint",
      id: randomId("ftckpt_", 24),
      created_at: nowSeconds(),
      fine_tuned_model_checkpoint: epoch === plan.epochs ? name : `${name}:ckpt-step-${step}`,
      fine_tuning_job_id: record.job.id,
      metrics: {
        ...metrics(record, step, plan.total),
        full_valid_loss: lossAt(record, step, plan.total) + 0.07,
      },
      step_number: step,
    });
  }
}

function resultsCsv(record: JobRecord, plan: Plan): Buffer {
  const rows = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"];
  for (let step = 1; step <= plan.total; step++) {
    const m = metrics(record, step, plan.total);
    rows.push(
      `${step},${m.train_loss},${m.train_mean_token_accuracy},${m.valid_loss},${m.valid_mean_token_accuracy}`,
    );
  }
  return Buffer.from(`${rows.join("\n")}\n`);
}

function registerModel(store: SimStore, name: string, record: JobRecord, validated: ValidatedFile): void {
  const oldest = store.fineTunedModels.keys().next();
  if (store.fineTunedModels.size >= MAX_FINE_TUNED_MODELS && !oldest.done)
    store.fineTunedModels.delete(oldest.value);
  const model = {
    id: name,
    base: record.base,
    created: nowSeconds(),
    jobId: record.job.id,
    examples: validated.answers,
  };
  store.fineTunedModels.set(name, model);
}

function succeed(
  state: SimState,
  store: SimStore,
  record: JobRecord,
  validated: ValidatedFile,
  plan: Plan,
): void {
  const { job } = record;
  const name = `ft:${record.base}:${ORGANIZATION}:${record.suffix ?? "custom"}:${randomId("", 8)}`;
  let resultsId: string;
  try {
    resultsId = createFile(store, "step_metrics.csv", "fine-tune-results", resultsCsv(record, plan)).id;
  } catch {
    job.error = {
      code: "server_error",
      message: "The job failed because its results file could not be stored.",
      param: null,
    };
    addEvent(record, job.error.message, "error");
    finish(state, store, record, "failed");
    return;
  }
  addCheckpoints(record, name, plan);
  registerModel(store, name, record, validated);
  job.fine_tuned_model = name;
  job.trained_tokens = validated.tokens * plan.epochs;
  job.result_files = [resultsId];
  addEvent(record, `Checkpoint created at step ${plan.total}`);
  addEvent(record, `New fine-tuned model created: ${name}`);
  addEvent(record, "The job has successfully completed");
  finish(state, store, record, "succeeded");
}

export function cancelJob(state: SimState, store: SimStore, record: JobRecord): void {
  addEvent(record, "Fine-tuning job cancelled");
  finish(state, store, record, "cancelled");
}
