/**
 * What a tenant's provider objects make the tenant own: an uploaded file, a job, and what the job
 * produces (its fine-tuned model and result files), each recorded with a copy of the object as last
 * seen so the tenant's lists come from the gateway's records.
 * @see docs/openai-reference.md D.3 and D.5
 */
import type { Bindings } from "../platform/env";
import type { JsonObject } from "../platform/json";
import { REDACTED } from "../upstream/scrub";
import { ownedObject, recordOwned } from "./owned-repository";
import { getUpstream } from "./provider";

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Records a file object (uploaded, or produced by a job) as the tenant's. */
export async function rememberFile(db: D1Database, tenantId: string, baseUrl: string, file: JsonObject) {
  await recordOwned(db, {
    tenantId,
    id: String(file.id),
    kind: "file",
    createdAt: num(file.created_at),
    body: file,
    baseUrl,
    purpose: str(file.purpose),
    expiresAt: num(file.expires_at) ?? null,
  });
}

/**
 * Keeps the tenant's copy of a job and records what it produced as the tenant's: the fine-tuned
 * model once reported, and its result files (read once from the provider to keep their objects).
 */
export async function rememberJob(
  env: Bindings,
  tenantId: string,
  baseUrl: string,
  job: JsonObject,
): Promise<void> {
  const db = env.DB;
  await recordOwned(db, {
    tenantId,
    id: String(job.id),
    kind: "fine_tuning.job",
    createdAt: num(job.created_at),
    body: job,
    baseUrl,
    status: str(job.status),
  });
  const model = str(job.fine_tuned_model);
  if (model) {
    await recordOwned(db, {
      tenantId,
      id: model,
      kind: "model",
      createdAt: num(job.finished_at) ?? num(job.created_at),
      baseUrl,
    });
  }
  const results = Array.isArray(job.result_files)
    ? job.result_files.filter((f) => typeof f === "string")
    : [];
  for (const id of results) {
    if (await ownedObject(db, tenantId, id, "file")) continue;
    // The object is kept when the provider answers; the record alone already grants the download.
    const file = await getUpstream(env, baseUrl, `/files/${encodeURIComponent(id)}`).catch(() => null);
    if (file) await rememberFile(db, tenantId, baseUrl, file);
    else await recordOwned(db, { tenantId, id, kind: "file", baseUrl, purpose: "fine-tune-results" });
  }
}

/**
 * An object as a tenant sees it: a job's `organization_id` is the operator's provider organization,
 * shared by every tenant, so it is replaced (the field stays, as the spec requires it).
 */
export function tenantView(obj: JsonObject): JsonObject {
  return typeof obj.organization_id === "string" ? { ...obj, organization_id: REDACTED } : obj;
}
