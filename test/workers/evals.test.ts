import { describe, expect, it } from "vitest";
import { auth } from "./helpers/finetune";
import { createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";

interface Summary {
  model: string;
  items: number;
  pass_rate: number;
  mean_score: number;
  win_rate: number;
  latency_ms_p50: number;
  cost_usd: number;
}
interface Eval {
  id: string;
  status: string;
  progress: { done: number; total: number };
  summary: Summary[] | null;
  items?: {
    example_id: string;
    results: { score: number; passed: boolean; output: string }[];
    judge?: { swapped: boolean };
  }[];
}

/** Captures `n` gpt-4o-mini answers and imports them into a dataset whose validation split holds them all. */
async function teacherDataset(key: string, n: number): Promise<string> {
  const client = sdk(key);
  for (let i = 0; i < n; i++) {
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `Explain topic number ${i} briefly` }],
      store: true,
    });
  }
  const deadline = Date.now() + 3_000;
  while ((await client.chat.completions.list({ limit: 100 })).data.length < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = await gw(
    "/v1/datasets",
    jsonInit("POST", { name: "teacher", validation_ratio: 0.5 }, auth(key)),
  );
  const { id } = (await res.json()) as { id: string };
  await gw(`/v1/datasets/${id}/import`, jsonInit("POST", { filter: {} }, auth(key)));
  return id;
}

async function finished(key: string, id: string): Promise<Eval> {
  const deadline = Date.now() + 8_000;
  for (;;) {
    const got = (await (await gw(`/v1/evals/${id}`, { headers: auth(key) })).json()) as Eval;
    if (got.status === "completed" || got.status === "failed" || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const startEval = (key: string, datasetId: string, body: unknown) =>
  gw(`/v1/datasets/${datasetId}/evals`, jsonInit("POST", body, auth(key)));

describe("evaluations", () => {
  it("compares two models with the exact grader, item by item, in the background", async () => {
    const { key } = await createTenant();
    const id = await teacherDataset(key, 16);
    const res = await startEval(key, id, { models: ["gpt-4o-mini", "gpt-4o"], grader: { type: "exact" } });
    expect(res.status).toBe(200);
    const queued = (await res.json()) as Eval;
    expect(queued.status).toBe("queued");
    expect(queued.progress.total).toBeGreaterThan(0);
    const done = await finished(key, queued.id);
    expect(done.status).toBe("completed");
    expect(done.progress.done).toBe(queued.progress.total);
    expect(done.items).toHaveLength(queued.progress.total);
    const [baseline, candidate] = done.summary ?? [];
    // The dataset holds gpt-4o-mini's own answers: it matches them all; gpt-4o words them differently.
    expect(baseline).toMatchObject({ model: "gpt-4o-mini", pass_rate: 1, mean_score: 1 });
    expect(candidate).toMatchObject({ model: "gpt-4o", pass_rate: 0 });
    expect(baseline?.win_rate).toBe(1);
    expect(baseline?.cost_usd).toBeGreaterThan(0);
    expect(candidate?.latency_ms_p50).toBeGreaterThan(0);
  });

  it("scores text similarity against a threshold, and runs an LLM judge in random order", async () => {
    const { key } = await createTenant();
    const id = await teacherDataset(key, 12);
    const sim = (await finished(
      key,
      (
        (await (
          await startEval(key, id, {
            models: ["gpt-4o-mini", "gpt-4o"],
            grader: { type: "text_similarity", threshold: 0.99 },
          })
        ).json()) as Eval
      ).id,
    )) as Eval;
    expect(sim.status).toBe("completed");
    const [base, cand] = sim.summary ?? [];
    expect(base?.mean_score).toBe(1);
    expect(cand?.mean_score).toBeGreaterThan(0);
    expect(cand?.mean_score).toBeLessThan(1);
    const judged = await finished(
      key,
      (
        (await (
          await startEval(key, id, {
            models: ["gpt-4o-mini", "gpt-4o"],
            grader: { type: "llm_judge", model: "gpt-4o", rubric: "Correct and concise." },
          })
        ).json()) as Eval
      ).id,
    );
    expect(judged.status).toBe("completed");
    expect(judged.items?.length).toBeGreaterThan(0);
    for (const item of judged.items ?? []) {
      expect(typeof item.judge?.swapped).toBe("boolean");
      for (const r of item.results) expect(r.score).toBeGreaterThanOrEqual(0);
    }
  });

  // Regression: allowed_models did not bind for the judge, a model call billed to the tenant.
  it("refuses an llm_judge model outside the tenant's allowed_models with 400 naming grader.model", async () => {
    const { key } = await createTenant({ allowed_models: ["gpt-4o-mini", "gpt-4o"] });
    const id = await teacherDataset(key, 4);
    const judged = (model: string) =>
      startEval(key, id, {
        models: ["gpt-4o-mini", "gpt-4o"],
        grader: { type: "llm_judge", model, rubric: "Is it correct?" },
      });
    const refused = await judged("o3");
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({ param: "grader.model", code: "model_not_allowed" });
    expect((await judged("gpt-4o")).status).toBe(200);
  });

  it("refuses a fine-tuned model that is not the tenant's own, compared or as the judge, with 404 model_not_found", async () => {
    const { key } = await createTenant();
    const id = await teacherDataset(key, 4);
    const foreign = "ft:gpt-4o-mini-2024-07-18:another-tenant::abc123";
    const compared = await startEval(key, id, {
      models: ["gpt-4o-mini", foreign],
      grader: { type: "exact" },
    });
    expect(compared.status).toBe(404);
    expect((await errorOf(compared)).code).toBe("model_not_found");
    const judged = await startEval(key, id, {
      models: ["gpt-4o-mini", "gpt-4o"],
      grader: { type: "llm_judge", model: foreign, rubric: "Is it correct?" },
    });
    expect(judged.status).toBe(404);
    expect((await errorOf(judged)).code).toBe("model_not_found");
  });

  it("refuses an empty validation split and hides other tenants' evaluations", async () => {
    const { key } = await createTenant();
    const res = await gw("/v1/datasets", jsonInit("POST", { name: "empty", validation_ratio: 0 }, auth(key)));
    const { id } = (await res.json()) as { id: string };
    const empty = await startEval(key, id, { models: ["a", "b"], grader: { type: "exact" } });
    expect((await errorOf(empty)).code).toBe("empty_validation_split");
    const bad = await startEval(key, id, { models: ["a"], grader: { type: "exact" } });
    expect(bad.status).toBe(400);
    const other = await createTenant();
    const ds = await teacherDataset(key, 4);
    const started = (await (
      await startEval(key, ds, { models: ["gpt-4o-mini", "gpt-4o"], grader: { type: "exact" } })
    ).json()) as Eval;
    expect((await gw(`/v1/evals/${started.id}`, { headers: auth(other.key) })).status).toBe(404);
    await finished(key, started.id);
  });

  it("lists a dataset's evaluations newest first, without items, only to its tenant", async () => {
    const { key } = await createTenant();
    const ds = await teacherDataset(key, 4);
    const list = async (datasetId: string, query = "", as = key) =>
      gw(`/v1/datasets/${datasetId}/evals${query}`, { headers: auth(as) });
    expect(((await (await list(ds)).json()) as { data: Eval[] }).data).toEqual([]);
    const ids: string[] = [];
    for (const grader of ["exact", "json_equal"]) {
      const res = await startEval(key, ds, { models: ["gpt-4o-mini", "gpt-4o"], grader: { type: grader } });
      ids.push(((await res.json()) as Eval).id);
    }
    for (const id of ids) await finished(key, id);
    const page = (await (await list(ds)).json()) as { object: string; data: Eval[] };
    expect(page.object).toBe("list");
    expect(page.data.map((e) => e.id)).toEqual([...ids].reverse());
    expect(page.data.every((e) => e.status === "completed" && e.items === undefined)).toBe(true);
    const one = (await (await list(ds, "?limit=1")).json()) as { data: Eval[] };
    expect(one.data.map((e) => e.id)).toEqual([ids[1]]);
    const badLimit = await list(ds, "?limit=0");
    expect(badLimit.status).toBe(400);
    expect((await errorOf(badLimit)).param).toBe("limit");
    const other = await createTenant();
    expect((await list(ds, "", other.key)).status).toBe(404);
  });
});
