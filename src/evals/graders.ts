/**
 * Graders comparing a model's output with the reference answer: exact match, JSON equality, text
 * similarity (token F1, like ROUGE-1) with a threshold, and a pairwise LLM judge with a rubric.
 * @see docs/openai-reference.md D.2 (string_check, text_similarity, label/score model graders)
 */
import { canonicalJson } from "../datasets/split";

export type Grader =
  | { type: "exact" }
  | { type: "json_equal" }
  | { type: "text_similarity"; threshold: number }
  | { type: "llm_judge"; model: string; rubric: string; pass_threshold: number };

export interface Grade {
  score: number;
  passed: boolean;
}

const tokens = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Token-overlap F1 between two texts, in [0, 1]. */
export function tokenF1(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  if (x.length === 0 && y.length === 0) return 1;
  if (x.length === 0 || y.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of y) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of x) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      overlap++;
      counts.set(t, n - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / x.length;
  const recall = overlap / y.length;
  return (2 * precision * recall) / (precision + recall);
}

function jsonEqual(output: string, reference: string): boolean {
  try {
    return canonicalJson(JSON.parse(output)) === canonicalJson(JSON.parse(reference));
  } catch {
    return false;
  }
}

/** Grades one output with a reference-based grader (the LLM judge is pairwise: see judge.ts). */
export function gradeOutput(
  grader: Exclude<Grader, { type: "llm_judge" }>,
  output: string,
  reference: string,
): Grade {
  switch (grader.type) {
    case "exact": {
      const passed = output.trim() === reference.trim();
      return { score: passed ? 1 : 0, passed };
    }
    case "json_equal": {
      const passed = jsonEqual(output, reference);
      return { score: passed ? 1 : 0, passed };
    }
    case "text_similarity": {
      const score = Math.round(tokenF1(output, reference) * 10_000) / 10_000;
      return { score, passed: score >= grader.threshold };
    }
  }
}
