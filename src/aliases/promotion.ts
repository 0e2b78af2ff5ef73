/**
 * The promotion gate of an alias: whether an evaluation allows making its candidate the alias's model.
 * One rule, used by `POST …/aliases/{alias}/promote` (which refuses with it) and by the alias list's
 * `promotion` field (which the console shows beside the Promote button).
 */
import { type EvalRow, evalColumns, getOwnedEval } from "../evals/repository";
import type { ModelSummary } from "../evals/summary";
import { foundOr } from "../platform/errors";

/** The verdict of the gate for one evaluation, as the alias API returns it. */
export interface PromotionVerdict {
  eval_id: string;
  eligible: boolean;
  /** The evaluated candidate (`models[1]`), null while the evaluation has no summary. */
  candidate: string | null;
  /** Why it may not be promoted (the promote route's 409 message), or that it may. */
  reason: string;
  /** The promote route's error code when not eligible. */
  code: "eval_not_completed" | "candidate_worse" | null;
}

/** Why the candidate may not be promoted, or null when it is at least as good (within the threshold). */
export function promotionRefusal(
  baseline: ModelSummary,
  candidate: ModelSummary,
  threshold: number,
): string | null {
  if (candidate.errors > 0) return `the candidate failed on ${candidate.errors} item(s)`;
  if (candidate.pass_rate < baseline.pass_rate - threshold) {
    return `its pass rate ${candidate.pass_rate} is below the baseline's ${baseline.pass_rate}`;
  }
  if (candidate.mean_score < baseline.mean_score - threshold) {
    return `its mean score ${candidate.mean_score} is below the baseline's ${baseline.mean_score}`;
  }
  return null;
}

/** The gate applied to an evaluation: completed, with a candidate at least as good as the baseline. */
export function promotionVerdict(run: EvalRow, threshold: number): PromotionVerdict {
  const refuse = (code: PromotionVerdict["code"], reason: string, candidate: string | null = null) => ({
    eval_id: run.id,
    eligible: false,
    candidate,
    reason,
    code,
  });
  const summary = evalColumns(run).summary;
  if (run.status !== "completed" || !summary) {
    return refuse(
      "eval_not_completed",
      `Evaluation '${run.id}' is ${run.status}; promote once it has completed.`,
    );
  }
  const [baseline, candidate] = summary;
  if (!baseline || !candidate) return refuse("eval_not_completed", "The evaluation has no summary.");
  const refusal = promotionRefusal(baseline, candidate, threshold);
  if (refusal) {
    return refuse("candidate_worse", `Not promoting ${candidate.model}: ${refusal}.`, candidate.model);
  }
  return {
    eval_id: run.id,
    eligible: true,
    candidate: candidate.model,
    reason: `The evaluation allows promoting ${candidate.model}.`,
    code: null,
  };
}

/** The tenant's evaluation (matched in SQL), or 404 naming `eval_id`. */
export async function mustGetTenantEval(db: D1Database, tenantId: string, evalId: string): Promise<EvalRow> {
  return foundOr(await getOwnedEval(db, evalId, tenantId), "evaluation", evalId, { param: "eval_id" });
}
