/**
 * The pairwise LLM judge: both answers are shown in a random order (to cancel position bias) with
 * the rubric and the reference; the judge returns a score per answer as structured JSON.
 */
import type { Bindings } from "../platform/env";
import { postJson } from "../upstream";
import type { Grade } from "./graders";

const VERDICT_SCHEMA = {
  type: "object",
  properties: {
    score_a: { type: "number", minimum: 0, maximum: 1 },
    score_b: { type: "number", minimum: 0, maximum: 1 },
    reason: { type: "string" },
  },
  required: ["score_a", "score_b", "reason"],
  additionalProperties: false,
};

export interface JudgeInput {
  rubric: string;
  question: string;
  reference: string;
  /** Outputs of the baseline and the candidate, in that order. */
  outputs: [string, string];
}

export interface Verdict {
  grades: [Grade, Grade];
  /** True when the candidate was shown first (as A). */
  swapped: boolean;
  reason: string;
}

function prompt(input: JudgeInput, a: string, b: string): string {
  return [
    `Rubric: ${input.rubric}`,
    `Question:\n${input.question}`,
    `Reference answer:\n${input.reference}`,
    `Answer A:\n${a}`,
    `Answer B:\n${b}`,
    "Score each answer from 0 to 1 against the rubric and the reference.",
  ].join("\n\n");
}

const clamp = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

export async function judge(
  env: Bindings,
  model: string,
  input: JudgeInput,
  passThreshold: number,
  requestId: string,
): Promise<Verdict> {
  const swapped = (crypto.getRandomValues(new Uint8Array(1))[0] ?? 0) % 2 === 1;
  const [first, second] = swapped ? [input.outputs[1], input.outputs[0]] : input.outputs;
  const body = {
    model,
    temperature: 0,
    messages: [
      { role: "system", content: "You are a strict grader. Answer with JSON only." },
      { role: "user", content: prompt(input, first, second) },
    ],
    response_format: {
      type: "json_schema",
      json_schema: { name: "verdict", strict: true, schema: VERDICT_SCHEMA },
    },
  };
  const res = await postJson(env, "/chat/completions", body, requestId);
  if (!res.ok) throw new Error(`judge model answered ${res.status}`);
  const answer = (await res.json()) as { choices?: { message?: { content?: string | null } }[] };
  const verdict = JSON.parse(answer.choices?.[0]?.message?.content ?? "{}") as Record<string, unknown>;
  const a = clamp(verdict.score_a);
  const b = clamp(verdict.score_b);
  const [baseline, candidate] = swapped ? [b, a] : [a, b];
  const grade = (score: number): Grade => ({ score, passed: score >= passThreshold });
  return { grades: [grade(baseline), grade(candidate)], swapped, reason: String(verdict.reason ?? "") };
}
