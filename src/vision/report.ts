/** The vision form of `POST /v1/datasets/:id/validate`: every example checked in full, here or in the background. */
import type { Context } from "hono";
import { readCandidates } from "../datasets/access";
import { type DatasetScope, type ExampleStorage, examplePage } from "../datasets/example-bodies";
import { countExamples, type DatasetRow } from "../datasets/repository";
import { newId } from "../identity/crypto";
import type { AppEnv } from "../platform/env";
import { saveChecks } from "./check-cache";
import { imageUrlsOf, PAGE_ROWS, planChecks, storedImageUrls } from "./plan";
import type { VisionProfileName } from "./profiles";
import { runJson, type ValidationRun } from "./run-json";
import type { RunMeta } from "./run-store";
import { operationBudget, visionLimits } from "./settings";
import { imageStore } from "./store";
import { type ExampleReport, type VisionSummary, VisionValidator } from "./validate";

/** How long a stored-examples validation counts as the dataset's run in progress (at most). */
const ACTIVE_RUN_TTL_SECONDS = 3600;

/** Examples checked together (their images download concurrently). */
export const VALIDATE_BATCH = 50;

export interface VisionReport {
  object: "dataset.validation";
  valid: boolean;
  total: number;
  errors: { line: number; field: string; message: string }[];
  examples: ExampleReport[];
  summary: VisionSummary;
}

/** The report of checked examples, with the dataset-level rules (`existing`: stored examples counted too). */
function assemble(validator: VisionValidator, examples: ExampleReport[], existing: number): VisionReport {
  const summary = validator.summary(existing);
  const errors = examples.flatMap((r) =>
    r.errors.map((e) => ({ line: r.index + 1, field: e.path, message: e.message })),
  );
  const valid = errors.length === 0 && summary.errors.length === 0;
  return { object: "dataset.validation", valid, total: examples.length, errors, examples, summary };
}

/** Checks values in batches; `existing` stored examples count towards the dataset's minimum size. */
export async function validateValues(
  validator: VisionValidator,
  values: readonly unknown[],
  existing = 0,
): Promise<VisionReport> {
  const examples: ExampleReport[] = [];
  for (let i = 0; i < values.length; i += VALIDATE_BATCH) {
    examples.push(...(await validator.check(values.slice(i, i + VALIDATE_BATCH), i)));
  }
  return assemble(validator, examples, existing);
}

/** Checks the stored examples of a split page by page (only the reports are kept in memory). */
export async function validateStored(
  env: ExampleStorage,
  validator: VisionValidator,
  dataset: DatasetScope,
  split: RunMeta["split"],
): Promise<VisionReport> {
  const examples: ExampleReport[] = [];
  for (let afterSeq = 0; ; ) {
    const rows = await examplePage(env, dataset, split, afterSeq, PAGE_ROWS);
    if (rows.length === 0) return assemble(validator, examples, 0);
    const values = rows.map((r) => JSON.parse(r.example) as unknown);
    examples.push(...(await validator.check(values, examples.length)));
    afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
  }
}

export type VisionValidationOutcome =
  | { status: 200; report: VisionReport }
  | { status: 202; run: ValidationRun };

/**
 * `POST /v1/datasets/:id/validate` of a vision dataset: the request's examples, or with
 * `stored=true` the dataset's own. Checked here when the images still to check fit the request
 * budget; otherwise a background validation is started and its run object returned.
 */
export async function visionValidation(
  c: Context<AppEnv>,
  dataset: DatasetRow,
  options: { stored: boolean; split: RunMeta["split"]; profile: VisionProfileName | null },
): Promise<VisionValidationOutcome> {
  const limits = visionLimits(c.get("principal").tenant.settings.vision, c.env, options.profile);
  const budget = operationBudget(limits, c.env);
  const values = options.stored ? null : (await readCandidates(c, "api")).candidates.map((x) => x.value);
  const counts = await countExamples(c.env.DB, dataset.id);
  const existing = values ? counts.train + counts.validation : 0;
  const urls = values
    ? imageUrlsOf(values, limits)
    : await storedImageUrls(c.env, dataset, options.split, limits);
  const createdAt = Math.floor(Date.now() / 1000);
  const plan = await planChecks(c.env.DB, dataset.tenant_id, urls, limits, createdAt);
  if (plan.operations <= budget) {
    const validator = new VisionValidator(limits, imageStore(c.env, dataset.tenant_id), plan.known);
    const report = values
      ? await validateValues(validator, values, existing)
      : await validateStored(c.env, validator, dataset, options.split);
    await saveChecks(c.env.DB, dataset.tenant_id, await validator.freshResults());
    return { status: 200, report };
  }
  // One background validation of a dataset's stored examples at a time: a repeated request gets the
  // run in progress instead of starting another that downloads the same images.
  const activeKey = values ? null : `vval-active:${dataset.tenant_id}:${dataset.id}:${options.split}`;
  if (activeKey) {
    const activeId = await c.env.CACHE.get(activeKey);
    const active = activeId ? await c.env.VISION_VALIDATOR.getByName(activeId).describe() : null;
    if (active?.meta.status === "in_progress" && active.meta.tenantId === dataset.tenant_id) {
      return { status: 202, run: runJson(active.meta, null) };
    }
  }
  const meta: RunMeta = {
    id: newId("vval"),
    tenantId: dataset.tenant_id,
    datasetId: dataset.id,
    source: values ? "request" : "dataset",
    split: options.split,
    limits,
    budget,
    existing,
    status: "in_progress",
    phase: "planning",
    createdAt,
    completedAt: null,
    imagesTotal: plan.known.size + plan.unchecked.length,
    imagesChecked: plan.known.size,
    chunks: 0,
    maxChunkOperations: 0,
    failures: 0,
    error: null,
  };
  await c.env.VISION_VALIDATOR.getByName(meta.id).start(meta, values ? JSON.stringify(values) : null);
  if (activeKey) await c.env.CACHE.put(activeKey, meta.id, { expirationTtl: ACTIVE_RUN_TTL_SECONDS });
  return { status: 202, run: runJson(meta, null) };
}
