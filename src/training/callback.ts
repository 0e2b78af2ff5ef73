/**
 * The trainer's callbacks to `POST /v1/training_jobs/{job_id}/callback`: Standard Webhooks signed
 * with the job's secret, each `webhook-id` taken once, within 5 minutes of its timestamp. Each moves
 * the job as OpenAI's jobs move (`running`, metrics events, `succeeded` with the student's model,
 * `failed` with the error).
 * @see https://www.standardwebhooks.com/
 */
import { claimDelivery, releaseDelivery } from "../datasets/repository";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { verifyWebhook } from "../platform/standard-webhooks";
import { getProvider } from "../providers/repository";
import { type Move, moveUpdate, newEvent } from "./job-view";
import { FINISHED_STATUSES, type TrainingJobRow, updateTrainingJob } from "./repository";
import { type Callback, CallbackSchema } from "./schemas";

/** Verifies a delivery and claims its id: 400 stale, 401 forged, 409 replayed. */
async function claimCallback(
  db: D1Database,
  row: TrainingJobRow,
  headers: Headers,
  raw: string,
): Promise<string> {
  if (row.trainer !== "external" || !row.callback_secret) {
    throw new GatewayError(400, `Job ${row.id} uses the ${row.trainer} trainer, which takes no callbacks.`, {
      param: "job_id",
      code: "callbacks_not_accepted",
    });
  }
  const webhookId = await verifyWebhook(row.callback_secret, headers, raw);
  if (!(await claimDelivery(db, `training:${row.id}`, webhookId, Math.floor(Date.now() / 1000)))) {
    throw new GatewayError(
      409,
      `Callback ${webhookId} was already received; send each callback with a new webhook-id.`,
      {
        param: "webhook-id",
        code: "webhook_replayed",
      },
    );
  }
  return webhookId;
}

/** The callback's body: 400 `invalid_callback` naming what to fix. */
function parseCallback(raw: string): Callback {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new GatewayError(400, "The callback body is not valid JSON.", { code: "invalid_json" });
  }
  const parsed = CallbackSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new GatewayError(
    400,
    `Invalid callback: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}. Send {type: "running" | "progress" | "succeeded" | "failed", …}.`,
    { param: issue?.path.join(".") || null, code: "invalid_callback" },
  );
}

/** The student a `succeeded` callback names: a chat model of one of the tenant's providers. */
async function studentOf(env: Bindings, row: TrainingJobRow, cb: Extract<Callback, { type: "succeeded" }>) {
  const model = cb.model ?? cb.adapter;
  if (!model) {
    throw new GatewayError(
      400,
      "A succeeded callback names the student: `model`, or `adapter` for a LoRA adapter.",
      {
        param: "model",
        code: "invalid_callback",
      },
    );
  }
  if (row.provider && cb.provider !== row.provider) {
    throw new GatewayError(
      400,
      `This job's student is served by provider '${row.provider}', not '${cb.provider}'.`,
      {
        param: "provider",
        code: "provider_mismatch",
      },
    );
  }
  const provider = await getProvider(env.DB, row.tenant_id, cb.provider);
  if (!provider?.capabilities.includes("chat")) {
    throw new GatewayError(
      400,
      `No provider '${cb.provider}' registered for chat: register it (POST /admin/tenants/{id}/providers) before reporting the student.`,
      { param: "provider", code: "provider_not_found" },
    );
  }
  return `${cb.provider}/${model}`;
}

async function moveOf(env: Bindings, row: TrainingJobRow, cb: Callback): Promise<Move> {
  switch (cb.type) {
    case "running":
      return { status: "running", event: newEvent("Fine-tuning job started") };
    case "progress": {
      const data = { step: cb.step, total_steps: cb.total_steps, train_loss: cb.train_loss ?? null };
      const loss = cb.train_loss === undefined ? "" : `: training loss=${cb.train_loss}`;
      return {
        status: "running",
        event: newEvent(`Step ${cb.step}/${cb.total_steps}${loss}`, "info", data),
        metrics: data,
      };
    }
    case "succeeded": {
      const model = await studentOf(env, row, cb);
      return {
        status: "succeeded",
        fine_tuned_model: model,
        event: newEvent(`The job has successfully completed: ${model}`),
      };
    }
    case "failed":
      return { status: "failed", error: cb.error, event: newEvent(`The job failed: ${cb.error}`, "error") };
  }
}

/** Applies a callback; 409 `job_finished` for a job already succeeded, failed or cancelled. */
async function applyCallback(env: Bindings, row: TrainingJobRow, cb: Callback): Promise<TrainingJobRow> {
  const finished = () =>
    new GatewayError(409, `Job ${row.id} is already ${row.status}; it takes no more callbacks.`, {
      param: "job_id",
      code: "job_finished",
    });
  if (FINISHED_STATUSES.includes(row.status)) throw finished();
  const update = moveUpdate(row, await moveOf(env, row, cb));
  if (!(await updateTrainingJob(env.DB, row.tenant_id, row.id, update))) throw finished();
  return { ...row, ...update };
}

/**
 * Verifies, reads and applies one delivery. A delivery that fails after its id was claimed (a bad
 * body, an unknown provider) gives the id back, so the trainer's corrected retry is taken.
 */
export async function receiveCallback(
  env: Bindings,
  row: TrainingJobRow,
  headers: Headers,
  raw: string,
): Promise<TrainingJobRow> {
  const webhookId = await claimCallback(env.DB, row, headers, raw);
  try {
    return await applyCallback(env, row, parseCallback(raw));
  } catch (err) {
    await releaseDelivery(env.DB, `training:${row.id}`, webhookId);
    throw err;
  }
}
