/**
 * One step of an evaluation: the next few validation examples are answered by both models through
 * the upstream, graded, and stored; the last step writes the summary. Steps are driven by the
 * EvalRunner Durable Object's alarm, so a run is not bound by one request's limits.
 */
import { costUsd, priceOf, usageOf } from "../cache/prices";
import { examplePage } from "../datasets/example-bodies";
import type { ExampleRow } from "../datasets/repository";
import { getTenant } from "../identity/repository";
import type { TenantSettings } from "../identity/settings";
import type { Bindings } from "../platform/env";
import type { JsonObject } from "../platform/json";
import { modelEndpoint } from "../providers";
import { postJson } from "../upstream";
import { gradeOutput } from "./graders";
import { judge } from "./judge";
import {
  type EvalRow,
  evalColumns,
  finishEval,
  getEval,
  lastItemSeq,
  listItemResults,
  saveItems,
} from "./repository";
import { type ItemResult, type ModelResult, summarise } from "./summary";

/** Text of an assistant message: its content, or its tool calls as JSON. */
function textOf(message: JsonObject | undefined): string {
  if (!message) return "";
  if (typeof message.content === "string" && message.content !== "") return message.content;
  if (Array.isArray(message.tool_calls)) {
    return JSON.stringify(message.tool_calls.map((c: JsonObject) => (c as { function?: unknown }).function));
  }
  return "";
}

/** One model's answer: `model` is the name the evaluation reports, `endpoint.model` the id its provider knows. */
async function answer(
  endpoint: { env: Bindings; model: string },
  model: string,
  example: JsonObject,
  requestId: string,
): Promise<ModelResult> {
  const messages = (example.messages as JsonObject[]).slice(0, -1);
  const body: JsonObject = { model: endpoint.model, messages };
  if (example.tools) body.tools = example.tools;
  const started = performance.now();
  const res = await postJson(endpoint.env, "/chat/completions", body, requestId);
  const latency_ms = Math.round((performance.now() - started) * 100) / 100;
  const json = (await res.json().catch(() => ({}))) as JsonObject & { choices?: { message?: JsonObject }[] };
  if (!res.ok) {
    const error = (json.error as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
    return { output: "", score: 0, passed: false, latency_ms, cost_usd: 0, error };
  }
  const output = textOf(json.choices?.[0]?.message);
  return { output, score: 0, passed: false, latency_ms, cost_usd: costUsd(usageOf(json), priceOf(model)) };
}

async function gradeItem(
  env: Bindings,
  run: EvalRow,
  row: ExampleRow,
  settings: TenantSettings,
  startedBy: string,
): Promise<ItemResult> {
  const example = JSON.parse(row.example) as JsonObject & { messages: JsonObject[] };
  const reference = textOf(example.messages[example.messages.length - 1]);
  const { models, grader } = evalColumns(run);
  const requestId = `${startedBy}:${run.id}:${row.seq}`;
  // Models are served where the proxy would serve them: a tenant's provider for `provider/model`.
  const endpointOf = (m: string) => modelEndpoint(env, run.tenant_id, settings, m);
  const results = await Promise.all(
    models.map(async (m) => answer(await endpointOf(m), m, example, requestId)),
  );
  const item: ItemResult = { example_id: row.id, reference, results };
  if (grader.type === "llm_judge") {
    const question = textOf(example.messages[example.messages.length - 2]);
    const outputs: [string, string] = [results[0]?.output ?? "", results[1]?.output ?? ""];
    const judgeAt = await endpointOf(grader.model);
    const verdict = await judge(
      judgeAt.env,
      judgeAt.model,
      { rubric: grader.rubric, question, reference, outputs },
      grader.pass_threshold,
      requestId,
    );
    for (const [i, g] of verdict.grades.entries()) Object.assign(results[i] ?? {}, g);
    item.judge = { swapped: verdict.swapped, reason: verdict.reason };
  } else {
    for (const r of results) if (!r.error) Object.assign(r, gradeOutput(grader, r.output, reference));
  }
  return item;
}

/**
 * Processes up to `batch` items; returns true when the evaluation has finished. Model calls carry
 * `<startedBy>:<eval id>:<example seq>` as their request id (`startedBy`: the request that started it).
 */
export async function runStep(
  env: Bindings,
  evalId: string,
  batch: number,
  startedBy: string,
): Promise<boolean> {
  const run = await getEval(env.DB, evalId);
  if (!run || run.status === "completed" || run.status === "failed") return true;
  const afterSeq = await lastItemSeq(env.DB, evalId);
  const remaining = run.total - run.done;
  const rows =
    remaining > 0
      ? await examplePage(
          env,
          { id: run.dataset_id, tenant_id: run.tenant_id },
          "validation",
          afterSeq,
          Math.min(batch, remaining),
        )
      : [];
  if (rows.length > 0) {
    // Models fine-tuned on the tenant's own API are evaluated there (see providerForModel).
    const settings = (await getTenant(env.DB, run.tenant_id))?.settings ?? {};
    const items = await Promise.all(rows.map((row) => gradeItem(env, run, row, settings, startedBy)));
    await saveItems(
      env.DB,
      evalId,
      items.map((item, i) => ({
        example_seq: rows[i]?.seq ?? 0,
        example_id: item.example_id,
        result: JSON.stringify(item),
      })),
    );
    if (run.done + rows.length < run.total) return false;
  }
  const all = await listItemResults(env.DB, evalId);
  const summary = summarise(evalColumns(run).models, all);
  await finishEval(env.DB, evalId, { status: "completed", summary: JSON.stringify(summary), error: null });
  return true;
}

export async function failEval(env: Bindings, evalId: string, error: string): Promise<void> {
  await finishEval(env.DB, evalId, { status: "failed", summary: null, error });
}
