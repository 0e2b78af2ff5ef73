/**
 * The `openai` trainer of `POST /v1/datasets/{id}/jobs`: the dataset's fine-tuning job on the
 * simulator, mirrored into the training job; refused from OpenAI's fine-tuning cutoff (the date set
 * by EDGEGATE_NOW, src/models/clock.ts), when the `external` trainer still takes the dataset.
 */
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { postChat } from "./helpers/chat";
import { auth, datasetWith, providerFinished, simConfig, taught } from "./helpers/finetune";
import { admin, createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { sim } from "./helpers/sim";
import { OPEN_WEIGHT_KEY, registerOpenWeight, startExternalJob } from "./helpers/training";
import { createVisionDataset } from "./helpers/vision";

const bindings = env as unknown as { EDGEGATE_NOW?: string };
const pinned = bindings.EDGEGATE_NOW;
const STUDENT = "gpt-4o-mini-2024-07-18";
/** A second account on the simulator: the key of the tenant's own fine-tuning provider. */
const LAB_KEY = "sk-tenant-lab-3c8e1f5a7b9d2046";

interface Job {
  id: string;
  trainer: string;
  status: string;
  fine_tuning_job_id: string | null;
  fine_tuned_model: string | null;
  events: { message: string }[];
  bundle: unknown;
  callback_url: string | null;
}

beforeAll(() => simConfig({ fineTuneStepMs: 10, extraApiKeys: [LAB_KEY] }));
afterAll(() => simConfig({ fineTuneStepMs: 200, extraApiKeys: [] }));
beforeEach(() => sim.reset());
afterEach(() => {
  bindings.EDGEGATE_NOW = pinned;
});

const start = (key: string, datasetId: string, body: Record<string, unknown>) =>
  gw(
    `/v1/datasets/${datasetId}/jobs`,
    jsonInit("POST", { trainer: "openai", model: STUDENT, ...body }, auth(key)),
  );

describe("the openai trainer", () => {
  it("starts the dataset's fine-tuning job on the simulator and mirrors its status, events and model", async () => {
    const { key } = await createTenant();
    const datasetId = await datasetWith(key, 10);
    const res = await start(key, datasetId, { suffix: "codes", hyperparameters: { n_epochs: 1 } });
    expect(res.status).toBe(200);
    const job = (await res.json()) as Job;
    expect(job).toMatchObject({ trainer: "openai", bundle: null, callback_url: null });
    expect(job.fine_tuning_job_id).toMatch(/^ftjob-/);
    expect(await providerFinished(job.fine_tuning_job_id ?? "")).toBe("succeeded");
    const done = (await (await gw(`/v1/training_jobs/${job.id}`, { headers: auth(key) })).json()) as Job;
    expect(done.status).toBe("succeeded");
    expect(done.fine_tuned_model).toMatch(/^ft:gpt-4o-mini-2024-07-18:[^:]+:codes:/);
    expect(done.events.at(-1)?.message).toContain("successfully completed");
    const listed = (await (await gw(`/v1/datasets/${datasetId}/jobs`, { headers: auth(key) })).json()) as {
      data: Job[];
    };
    expect(listed.data.map((j) => [j.id, j.status])).toEqual([[job.id, "succeeded"]]);
    // The student answers a conversation of its training file as taught.
    const [question, answer] = taught(3).messages;
    const chat = await postChat(key, { model: done.fine_tuned_model, messages: [question] });
    const body = (await chat.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe(answer?.content);
  });

  it("refuses after OpenAI's fine-tuning cutoff, naming the date, while the external trainer takes the dataset", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    const datasetId = await datasetWith(key, 10);
    bindings.EDGEGATE_NOW = "2027-01-07T00:00:00Z";
    const res = await start(key, datasetId, {});
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("fine_tuning_unavailable");
    expect(error.message).toContain("2027-01-06");
    expect(await sim.requests("POST /v1/fine_tuning/jobs")).toBe(0);
    const listed = (await (await gw(`/v1/datasets/${datasetId}/jobs`, { headers: auth(key) })).json()) as {
      data: Job[];
    };
    expect(listed.data).toEqual([]);
    const external = await startExternalJob(key, datasetId);
    expect(external.status).toBe("queued");
    expect(JSON.stringify(external)).not.toContain(OPEN_WEIGHT_KEY);
  });

  it("trains on a tenant provider registered for fine_tuning, with that provider's key only", async () => {
    const { id: tenantId, key } = await createTenant();
    const datasetId = await datasetWith(key, 10);
    const registered = await admin(`/tenants/${tenantId}/providers`, "POST", {
      name: "lab",
      base_url: `${sim.origin().replace("127.0.0.1", "localhost")}/v1`,
      api_key: LAB_KEY,
      capabilities: ["chat", "fine_tuning"],
    });
    expect(registered.status).toBe(201);
    const res = await start(key, datasetId, { provider: "lab" });
    expect(res.status).toBe(200);
    const job = (await res.json()) as Job;
    expect(await providerFinished(job.fine_tuning_job_id ?? "")).toBe("succeeded");
    const done = (await (await gw(`/v1/training_jobs/${job.id}`, { headers: auth(key) })).json()) as Job;
    expect(done.status).toBe("succeeded");
    expect(done.fine_tuned_model).toMatch(/^lab\/ft:gpt-4o-mini-2024-07-18:/);
    expect(done.events.at(-1)?.message).toContain("successfully completed");
    expect(JSON.stringify(done)).not.toContain(LAB_KEY);
    const stats = await sim.stats();
    expect(stats.requests_by_key[`POST /v1/fine_tuning/jobs ${LAB_KEY}`]).toBe(1);
    expect(stats.requests_by_key["POST /v1/fine_tuning/jobs sk-sim-edgegate"]).toBeUndefined();
    const [question, answer] = taught(5).messages;
    const chat = await postChat(key, { model: done.fine_tuned_model, messages: [question] });
    const body = (await chat.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe(answer?.content);
  });

  it("holds a vision dataset's openai job to an OpenAI-API profile", async () => {
    const { key } = await createTenant();
    const datasetId = await createVisionDataset(key, 0, "qwen2.5-vl");
    const res = await start(key, datasetId, { model: "gpt-4o-2024-08-06", vision_profile: "qwen2.5-vl" });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ param: "vision_profile", code: "invalid_value" });
    expect(error.message).toContain("external trainer");
  });

  it("refuses a provider not registered for fine_tuning, and an unknown one for the external trainer", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    const datasetId = await datasetWith(key, 10);
    const withProvider = await start(key, datasetId, { provider: "open-weight" });
    expect(withProvider.status).toBe(400);
    expect(await errorOf(withProvider)).toMatchObject({ param: "provider", code: "capability_not_enabled" });
    const unknown = await gw(
      `/v1/datasets/${datasetId}/jobs`,
      jsonInit(
        "POST",
        { trainer: "external", model: "llama-3.1-8b-instruct", provider: "nowhere" },
        auth(key),
      ),
    );
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).code).toBe("provider_not_found");
  });
});
