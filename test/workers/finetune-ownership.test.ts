/**
 * Two tenants on one gateway share one provider account. Lists come from the gateway's
 * records, jobs may only name the tenant's own files and models, and what a job produces (its
 * fine-tuned model and result files) is its tenant's alone.
 */
import { env } from "cloudflare:workers";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putAlias } from "../../src/aliases/repository";
import { pollUnfinishedJobs } from "../../src/finetune";
import { auth, datasetWith, providerFinished, simConfig, taught } from "./helpers/finetune";
import { admin, apiError, collect, createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";
import { signWebhook } from "./helpers/webhooks";

beforeAll(() => simConfig({ fineTuneStepMs: 10 }));
afterAll(() => simConfig({ fineTuneStepMs: 200 }));

const STUDENT = "gpt-4o-mini-2024-07-18";
const trainingJsonl = `${[...Array(10).keys()].map((i) => JSON.stringify(taught(i))).join("\n")}\n`;

const upload = (client: OpenAI, name = "train.jsonl", purpose: "fine-tune" | "batch" = "fine-tune") =>
  client.files.create({ file: new File([trainingJsonl], name, { type: "application/jsonl" }), purpose });

/** A pass-through job trained on a fresh upload, run to its end at the provider. */
async function trainedJob(client: OpenAI) {
  const file = await upload(client);
  const job = await client.fineTuning.jobs.create({ model: STUDENT, training_file: file.id, suffix: "own" });
  expect(await providerFinished(job.id)).toBe("succeeded");
  return { file, job: await client.fineTuning.jobs.retrieve(job.id) };
}

describe("lists built from the gateway's records", () => {
  it("pages a tenant's files with its own first_id, last_id and has_more, never another tenant's ids", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const mine = [];
    for (const name of ["a1.jsonl", "a2.jsonl", "a3.jsonl"]) mine.push((await upload(sdk(a.key), name)).id);
    const theirs = (await upload(sdk(b.key))).id;
    const first = await gw("/v1/files?limit=2", { headers: auth(a.key) });
    const page = (await first.json()) as {
      object: string;
      data: { id: string }[];
      first_id: string;
      last_id: string;
      has_more: boolean;
    };
    expect(page.object).toBe("list");
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect([page.first_id, page.last_id]).toEqual([page.data[0]?.id, page.data[1]?.id]);
    const next = (await (
      await gw(`/v1/files?limit=2&after=${page.last_id}`, { headers: auth(a.key) })
    ).json()) as typeof page;
    expect(next.data).toHaveLength(1);
    expect(next.has_more).toBe(false);
    const seen = [...page.data, ...next.data].map((f) => f.id);
    expect(seen.sort()).toEqual([...mine].sort());
    expect(JSON.stringify([page, next])).not.toContain(theirs);
    // The SDK's auto-pagination walks the same pages.
    expect((await collect(sdk(a.key).files.list({ limit: 1 }))).map((f) => f.id).sort()).toEqual(
      [...mine].sort(),
    );
    const other = await sdk(b.key).files.list();
    expect(other.data.map((f) => f.id)).toEqual([theirs]);
    expect(JSON.stringify(other)).not.toMatch(new RegExp(mine.join("|")));
    // Another tenant's id as a cursor matches nothing.
    const cursor = (await (
      await gw(`/v1/files?after=${mine[0]}`, { headers: auth(b.key) })
    ).json()) as typeof page;
    expect(cursor).toEqual({ object: "list", data: [], first_id: "", last_id: "", has_more: false });
  });

  it("filters files by purpose and orders them oldest first on order=asc", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const tune = await upload(client, "t.jsonl");
    const batch = await upload(client, "b.jsonl", "batch");
    expect((await client.files.list({ purpose: "batch" })).data.map((f) => f.id)).toEqual([batch.id]);
    const asc = await client.files.list({ order: "asc" });
    const desc = await client.files.list();
    expect(asc.data.map((f) => f.id)).toEqual([...desc.data.map((f) => f.id)].reverse());
    expect(desc.data.map((f) => f.id).sort()).toEqual([tune.id, batch.id].sort());
    const bad = await gw("/v1/files?order=sideways", { headers: auth(key) });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).param).toBe("order");
  });

  it("forgets a deleted file", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const file = await upload(client);
    await client.files.delete(file.id);
    expect((await client.files.list()).data).toEqual([]);
  });

  it("pages a tenant's fine-tuning jobs, dataset jobs included, without other tenants' ids", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const file = await upload(sdk(a.key));
    const j1 = await sdk(a.key).fineTuning.jobs.create({ model: STUDENT, training_file: file.id });
    const ds = await datasetWith(a.key, 10);
    const j2 = (await (
      await gw(`/v1/datasets/${ds}/fine_tuning_jobs`, jsonInit("POST", { model: STUDENT }, auth(a.key)))
    ).json()) as { id: string };
    const bFile = await upload(sdk(b.key));
    const theirs = await sdk(b.key).fineTuning.jobs.create({ model: STUDENT, training_file: bFile.id });
    const res = await gw("/v1/fine_tuning/jobs?limit=1", { headers: auth(a.key) });
    const page = (await res.json()) as { data: { id: string }[]; has_more: boolean; last_id: string };
    expect(page.data).toHaveLength(1);
    expect(page.has_more).toBe(true);
    expect(JSON.stringify(page)).not.toContain(theirs.id);
    const ids = (await collect(sdk(a.key).fineTuning.jobs.list({ limit: 1 }))).map((j) => j.id);
    expect(ids.sort()).toEqual([j1.id, j2.id].sort());
    expect((await sdk(b.key).fineTuning.jobs.list()).data.map((j) => j.id)).toEqual([theirs.id]);
    const tagged = await sdk(a.key).fineTuning.jobs.create({
      model: STUDENT,
      training_file: file.id,
      metadata: { team: "search" },
    });
    const filtered = await gw("/v1/fine_tuning/jobs?metadata[team]=search", { headers: auth(a.key) });
    expect(((await filtered.json()) as typeof page).data.map((j) => j.id)).toEqual([tagged.id]);
  });

  it("shows a listed job's live status, records its model for the owner and hides the operator's organization", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const file = await upload(client);
    const job = await client.fineTuning.jobs.create({ model: STUDENT, training_file: file.id });
    expect(await providerFinished(job.id)).toBe("succeeded");
    const list = await client.fineTuning.jobs.list();
    const [listed] = list.data;
    expect(listed?.status).toBe("succeeded");
    // The operator's provider organization is not the tenant's to see, in any job object.
    const ds = await datasetWith(key, 10);
    const datasetJob = await gw(
      `/v1/datasets/${ds}/fine_tuning_jobs`,
      jsonInit("POST", { model: STUDENT }, auth(key)),
    );
    const shown = [job, list.data, await client.fineTuning.jobs.retrieve(job.id), await datasetJob.json()];
    expect(JSON.stringify(shown)).not.toContain("org-EdgegateSimulatorOrg0001");
    expect(listed?.organization_id).toBe("[redacted]");
    expect((await client.models.list()).data.map((m) => m.id)).toContain(listed?.fine_tuned_model);
  });
});

describe("creating a job names only the tenant's own files and models", () => {
  it("refuses another tenant's training_file or validation_file with 404 naming the parameter", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const hers = await upload(sdk(a.key));
    const his = await upload(sdk(b.key));
    const before = await sim.requests("POST /v1/fine_tuning/jobs");
    const training = await gw(
      "/v1/fine_tuning/jobs",
      jsonInit("POST", { model: STUDENT, training_file: hers.id }, auth(b.key)),
    );
    expect(training.status).toBe(404);
    expect(await errorOf(training)).toMatchObject({ param: "training_file", code: "file_not_found" });
    await expect(
      sdk(b.key).fineTuning.jobs.create({ model: STUDENT, training_file: his.id, validation_file: hers.id }),
    ).rejects.toMatchObject({ status: 404, param: "validation_file" });
    expect(await sim.requests("POST /v1/fine_tuning/jobs")).toBe(before);
  });

  it("keeps base models within allowed_models, for pass-through and dataset jobs", async () => {
    const { key } = await createTenant({ allowed_models: ["gpt-4o-mini"] });
    const file = await upload(sdk(key));
    await expect(
      sdk(key).fineTuning.jobs.create({ model: STUDENT, training_file: file.id }),
    ).rejects.toMatchObject({ status: 403, code: "model_not_allowed", param: "model" });
    const ds = await datasetWith(key, 10);
    const res = await gw(
      `/v1/datasets/${ds}/fine_tuning_jobs`,
      jsonInit("POST", { model: STUDENT }, auth(key)),
    );
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("model_not_allowed");
  });

  it("lets a tenant fine-tune its own ft: model but not another tenant's", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { job } = await trainedJob(sdk(a.key));
    const model = job.fine_tuned_model ?? "";
    const hisFile = await upload(sdk(b.key));
    await expect(
      sdk(b.key).fineTuning.jobs.create({ model, training_file: hisFile.id }),
    ).rejects.toMatchObject({ status: 400, code: "model_not_available", param: "model" });
    const ds = await datasetWith(b.key, 10);
    const res = await gw(`/v1/datasets/${ds}/fine_tuning_jobs`, jsonInit("POST", { model }, auth(b.key)));
    expect((await errorOf(res)).code).toBe("model_not_available");
    const herFile = await upload(sdk(a.key));
    const again = await sdk(a.key).fineTuning.jobs.create({ model, training_file: herFile.id });
    expect(again.id).toMatch(/^ftjob-/);
  });
});

describe("fine-tuned models and result files belong to their tenant", () => {
  it("lists, retrieves and serves a tenant's ft: model to it alone", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { job } = await trainedJob(sdk(a.key));
    const model = job.fine_tuned_model ?? "";
    expect(model).toMatch(/^ft:/);
    const question = taught(2).messages[0] as { role: "user"; content: string };
    const answer = await sdk(a.key).chat.completions.create({ model, messages: [question] });
    expect(answer.choices[0]?.message.content).toBe("The secret code 2 is ZEBRA-14.");
    expect((await sdk(a.key).models.retrieve(model)).id).toBe(model);
    const aModels = (await sdk(a.key).models.list()).data.map((m) => m.id);
    expect(aModels).toContain(model);
    expect(aModels).toContain("gpt-4o-mini");
    const bModels = (await sdk(b.key).models.list()).data.map((m) => m.id);
    expect(bModels).not.toContain(model);
    expect(bModels.filter((id) => id.startsWith("ft:"))).toEqual([]);
    const before = await sim.requests("POST /v1/chat/completions");
    // Each call's rejection is handled as soon as it is made (awaiting them one by one would leave
    // the later ones unhandled for a moment).
    const refusals = await Promise.all([
      apiError(sdk(b.key).models.retrieve(model)),
      apiError(sdk(b.key).chat.completions.create({ model, messages: [question] })),
      apiError(sdk(b.key).responses.create({ model, input: question.content })),
      apiError(sdk(b.key).embeddings.create({ model, input: "x" })),
    ]);
    for (const err of refusals) {
      expect(err).toMatchObject({ status: 404, code: "model_not_found" });
      expect(err.error).toMatchObject({
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
      });
    }
    await expect(
      sdk(b.key).chat.completions.create({ model: `${model}:ckpt-step-10`, messages: [question] }),
    ).rejects.toMatchObject({ status: 404, code: "model_not_found" });
    expect(await sim.requests("POST /v1/chat/completions")).toBe(before);
  });

  it("does not let another tenant's alias route to the model", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { job } = await trainedJob(sdk(a.key));
    const model = job.fine_tuned_model ?? "";
    // Refused when the alias is saved…
    const put = await admin(`/tenants/${b.id}/aliases/stolen`, "PUT", { model });
    expect(put.status).toBe(404);
    expect(await errorOf(put)).toMatchObject({ param: "model", code: "model_not_found" });
    // …and when used, for an alias saved before that check existed.
    await putAlias(env.DB, {
      tenant_id: b.id,
      alias: "stolen",
      model,
      canary_model: null,
      canary_percent: null,
      promoted_eval_id: null,
      updated_at: 0,
    });
    const res = await gw(
      "/v1/chat/completions",
      jsonInit("POST", { model: "stolen", messages: [{ role: "user", content: "hi" }] }, auth(b.key)),
    );
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("model_not_found");
  });

  it("lets the owner download its job's result file, and nobody else", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { job } = await trainedJob(sdk(a.key));
    const resultId = job.result_files[0] ?? "";
    expect(resultId).toMatch(/^file-/);
    const content = await (await sdk(a.key).files.content(resultId)).text();
    expect(content).toMatch(/^step,train_loss/);
    expect((await sdk(a.key).files.list({ purpose: "fine-tune-results" })).data.map((f) => f.id)).toEqual([
      resultId,
    ]);
    const other = await gw(`/v1/files/${resultId}/content`, { headers: auth(b.key) });
    expect(other.status).toBe(404);
  });

  it("records a dataset job's model and result files from the cron poll", async () => {
    const { id: tenantId, key } = await createTenant();
    const ds = await datasetWith(key, 10);
    const job = (await (
      await gw(`/v1/datasets/${ds}/fine_tuning_jobs`, jsonInit("POST", { model: STUDENT }, auth(key)))
    ).json()) as { id: string; training_file: string };
    expect(await providerFinished(job.id)).toBe("succeeded");
    expect((await pollUnfinishedJobs(env)).failed).toBe(0);
    const owned = await env.DB.prepare(
      "SELECT kind, object_id FROM upstream_objects WHERE tenant_id = ? ORDER BY kind, object_id",
    )
      .bind(tenantId)
      .all<{ kind: string; object_id: string }>();
    const kinds = owned.results.map((r) => r.kind);
    expect(kinds.filter((k) => k === "model")).toHaveLength(1);
    expect(kinds.filter((k) => k === "file")).toHaveLength(2);
    const model = owned.results.find((r) => r.kind === "model")?.object_id ?? "";
    const answer = await sdk(key).chat.completions.create({
      model,
      messages: [taught(1).messages[0] as { role: "user"; content: string }],
    });
    expect(answer.choices[0]?.message.content).toBe("The secret code 1 is ZEBRA-7.");
    expect(await (await sdk(key).files.content(job.training_file)).text()).toBe(trainingJsonlOf(10));
  });

  it("records a pass-through job's model from the provider's signed webhook", async () => {
    const { id: tenantId, key } = await createTenant();
    const file = await upload(sdk(key));
    const job = await sdk(key).fineTuning.jobs.create({ model: STUDENT, training_file: file.id });
    expect(await providerFinished(job.id)).toBe("succeeded");
    const body = JSON.stringify({
      object: "event",
      id: `evt_${job.id}`,
      type: "fine_tuning.job.succeeded",
      created_at: Math.floor(Date.now() / 1000),
      data: { id: job.id },
    });
    const headers = await signWebhook(env.OPENAI_WEBHOOK_SECRET ?? "", `wh_${job.id}`, body);
    expect((await gw("/hooks/openai", { method: "POST", headers, body })).status).toBe(200);
    const model = await env.DB.prepare(
      "SELECT object_id FROM upstream_objects WHERE tenant_id = ? AND kind = 'model'",
    )
      .bind(tenantId)
      .first<{ object_id: string }>();
    expect(model?.object_id).toMatch(/^ft:gpt-4o-mini-2024-07-18:/);
  });

  it("records a pass-through job's model from the cron poll, without a read", async () => {
    const { id: tenantId, key } = await createTenant();
    const file = await upload(sdk(key));
    const job = await sdk(key).fineTuning.jobs.create({ model: STUDENT, training_file: file.id });
    expect(await providerFinished(job.id)).toBe("succeeded");
    expect((await pollUnfinishedJobs(env)).failed).toBe(0);
    const model = await env.DB.prepare(
      "SELECT object_id FROM upstream_objects WHERE tenant_id = ? AND kind = 'model'",
    )
      .bind(tenantId)
      .first<{ object_id: string }>();
    expect(model?.object_id).toMatch(/^ft:/);
  });
});

/** The JSONL the dataset helper's `n` examples export to. */
function trainingJsonlOf(n: number): string {
  return `${[...Array(n).keys()].map((i) => JSON.stringify(taught(i))).join("\n")}\n`;
}

describe("provider errors on the fine-tuning routes", () => {
  it("relays a provider 429 on upload without the operator's organization id", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: "POST /v1/files", errorStatus: 429, count: 3 });
    const res = await gw("/v1/files", {
      method: "POST",
      headers: auth(key),
      body: (() => {
        const form = new FormData();
        form.append("purpose", "fine-tune");
        form.append("file", new File([trainingJsonl], "t.jsonl"));
        return form;
      })(),
    });
    expect(res.status).toBe(429);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect(error.message).toContain("in organization [redacted] on requests per min");
    expect(error.message).not.toMatch(/org-/);
  });
});
