/** The vision form of `POST /v1/datasets/:id/validate`: every example of the body, checked in full. */
import type { Context } from "hono";
import { readCandidates } from "../datasets/access";
import { countExamples, type DatasetRow } from "../datasets/repository";
import type { AppEnv } from "../platform/env";
import { visionLimits } from "./settings";
import { type ExampleReport, type VisionSummary, VisionValidator } from "./validate";

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
  const summary = validator.summary(existing);
  const errors = examples.flatMap((r) =>
    r.errors.map((e) => ({ line: r.index + 1, field: e.path, message: e.message })),
  );
  const valid = errors.length === 0 && summary.errors.length === 0;
  return { object: "dataset.validation", valid, total: values.length, errors, examples, summary };
}

export async function visionValidation(c: Context<AppEnv>, dataset: DatasetRow): Promise<VisionReport> {
  const { candidates } = await readCandidates(c, "api");
  const limits = visionLimits(c.get("principal").tenant.settings.vision);
  const counts = await countExamples(c.env.DB, dataset.id);
  const validator = new VisionValidator(limits, { kv: c.env.CACHE, tenant: dataset.tenant_id });
  return validateValues(
    validator,
    candidates.map((x) => x.value),
    counts.train + counts.validation,
  );
}
