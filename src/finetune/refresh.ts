/**
 * Keeping stored jobs current: from the provider's webhook, the cron, or a list request. When a
 * job ends, its events and the metrics of its last checkpoint are kept, and what it produced (its
 * fine-tuned model and result files) is recorded as its tenant's.
 * @see docs/openai-reference.md D.5
 */
import type { Bindings } from "../platform/env";
import type { JsonObject } from "../platform/json";
import { log } from "../platform/log";
import { type OwnedRow, ownerOf, unfinishedOwnedJobs } from "./owned-repository";
import { rememberJob } from "./ownership";
import { getUpstream } from "./provider";
import { FINISHED, type JobRow, unfinishedJobs, updateJob } from "./repository";

/** Jobs polled per cron run. */
const POLL_BATCH = 50;

async function finalDetails(env: Bindings, row: JobRow): Promise<{ events: string; metrics: string | null }> {
  const base = `/fine_tuning/jobs/${encodeURIComponent(row.id)}`;
  const [events, checkpoints] = await Promise.all([
    getUpstream(env, row.base_url, `${base}/events?limit=100`),
    getUpstream(env, row.base_url, `${base}/checkpoints?limit=10`).catch(() => ({ data: [] })),
  ]);
  const latest = (checkpoints.data as JsonObject[] | undefined)?.[0];
  return {
    events: JSON.stringify(events.data ?? []),
    metrics: latest?.metrics
      ? JSON.stringify({ step: latest.step_number, ...(latest.metrics as JsonObject) })
      : null,
  };
}

/** Reads the job from the provider and stores its status (and, once finished, events and metrics). */
export async function refreshJob(env: Bindings, row: JobRow): Promise<JobRow> {
  const job = await getUpstream(env, row.base_url, `/fine_tuning/jobs/${encodeURIComponent(row.id)}`);
  const status = String(job.status);
  const finished = FINISHED.includes(status);
  const details = finished ? await finalDetails(env, row) : { events: null, metrics: null };
  const update = {
    status,
    fine_tuned_model: typeof job.fine_tuned_model === "string" ? job.fine_tuned_model : null,
    job: JSON.stringify(job),
    ...details,
  };
  await updateJob(env.DB, row.id, update);
  await rememberJob(env, row.tenant_id, row.base_url, job);
  return { ...row, ...update, events: update.events ?? row.events, metrics: update.metrics ?? row.metrics };
}

/** The job read live while it is unfinished; when the provider does not answer, as last stored. */
export function liveJob(env: Bindings, row: JobRow): Promise<JobRow> {
  return FINISHED.includes(row.status) ? Promise.resolve(row) : refreshJob(env, row).catch(() => row);
}

async function refreshOwned(env: Bindings, row: OwnedRow): Promise<void> {
  const baseUrl = row.base_url ?? env.OPENAI_BASE_URL;
  const job = await getUpstream(env, baseUrl, `/fine_tuning/jobs/${encodeURIComponent(row.object_id)}`);
  await rememberJob(env, row.tenant_id, baseUrl, job);
}

/** A job created through the pass-through routes (no dataset): its tenant's records are refreshed. */
export async function refreshOwnedJob(env: Bindings, id: string): Promise<void> {
  const row = await ownerOf(env.DB, id, "fine_tuning.job");
  if (row) await refreshOwned(env, row);
}

/** The cron: refreshes unfinished jobs, oldest first; one failure does not stop the others. */
export async function pollUnfinishedJobs(env: Bindings): Promise<{ polled: number; failed: number }> {
  const rows = await unfinishedJobs(env.DB, POLL_BATCH);
  const owned = await unfinishedOwnedJobs(env.DB, FINISHED, POLL_BATCH);
  const results = await Promise.allSettled([
    ...rows.map((row) => refreshJob(env, row)),
    ...owned.map((row) => refreshOwned(env, row)),
  ]);
  const failed = results.filter((r) => r.status === "rejected").length;
  const polled = rows.length + owned.length;
  if (failed > 0) log(env, "warn", "fine-tuning poll failures", { failed, polled });
  return { polled, failed };
}
