/**
 * Training anywhere: an `external` job writes a training bundle behind signed URLs, the reference
 * trainer (tools/reference-trainer/protocol.ts, the code its CLI runs) downloads it, loads a LoRA
 * student on the simulator's open-weight host and reports back with signed callbacks; the student is
 * then routable as `provider/model`, evaluable and promotable behind an alias.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { bundlePath, bundleSignature } from "../../src/training/signed-url";
import {
  downloadBundle,
  fileUrl,
  runReferenceTrainer,
  sendCallback,
} from "../../tools/reference-trainer/protocol";
import { postChat } from "./helpers/chat";
import { capturedDataset, json, waitFor } from "./helpers/distill";
import { auth, datasetWith } from "./helpers/finetune";
import { admin, createTenant, errorOf, GATEWAY, gw, jsonInit, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";
import {
  type ExternalJob,
  OPEN_WEIGHT_BASE,
  OPEN_WEIGHT_KEY,
  registerOpenWeight,
  startExternalJob,
  trainerFetch,
  trainerHostUrl,
} from "./helpers/training";
import { createVisionDataset, visionExample } from "./helpers/vision";
import { dataUrl, png } from "./helpers/vision-images";
import { signWebhook } from "./helpers/webhooks";

const TEACHER = "gpt-4o";

const train = (job: ExternalJob) =>
  runReferenceTrainer({
    manifestUrl: job.bundle.manifest_url,
    callbackUrl: job.callback_url,
    callbackSecret: job.callback_secret,
    host: { baseUrl: trainerHostUrl(), apiKey: OPEN_WEIGHT_KEY },
    provider: "open-weight",
    fetch: trainerFetch,
  });

const readJob = (key: string, id: string) =>
  json<ExternalJob>(gw(`/v1/training_jobs/${id}`, { headers: auth(key) }));

/** Sends a callback body with explicit Standard Webhooks headers. */
function deliver(job: ExternalJob, headers: Record<string, string>, body: string): Promise<Response> {
  return gw(`/v1/training_jobs/${job.id}/callback`, { method: "POST", headers, body });
}

beforeEach(() => sim.reset());

describe("the external training loop", () => {
  it("captures a teacher, trains a LoRA student on the open-weight host, evaluates it and promotes it", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    // 1. Teacher traffic, captured; 2. a dataset from it.
    const { datasetId, imported } = await capturedDataset(key, {
      teacher: TEACHER,
      count: 20,
      question: (i) => `Which plan includes feature number ${i}?`,
      app: "plans",
      validationRatio: 0.25,
    });
    expect(imported).toBe(20);
    const ds = { id: datasetId };
    // 3. An external job; the reference trainer runs the protocol and reports the student.
    const job = await startExternalJob(key, ds.id);
    expect(job.status).toBe("queued");
    expect(job.callback_secret).toMatch(/^whsec_/);
    const { model } = await train(job);
    const done = await readJob(key, job.id);
    expect(done.status).toBe("succeeded");
    expect(done.fine_tuned_model).toBe(`open-weight/${model}`);
    expect(done.events.map((e) => e.message)).toEqual([
      expect.stringContaining("Validating training file"),
      "Files validated, training bundle written",
      "Job queued: waiting for the trainer's callbacks",
      "Fine-tuning job started",
      "Step 1/3: training loss=1.5",
      "Step 2/3: training loss=0.75",
      "Step 3/3: training loss=0.5",
      `The job has successfully completed: open-weight/${model}`,
    ]);
    expect(done.events.filter((e) => e.type === "metrics").map((e) => e.data?.step)).toEqual([1, 2, 3]);
    expect(done.callback_secret).toBeUndefined();
    const student = done.fine_tuned_model ?? "";
    const base = `open-weight/${OPEN_WEIGHT_BASE}`;
    // 4. The student, evaluated at once against the teacher and against its base on the held-out split.
    const evaluate = async (models: string[]) => {
      const started = await json<{ id: string }>(
        gw(
          `/v1/datasets/${ds.id}/evals`,
          jsonInit("POST", { models, grader: { type: "text_similarity", threshold: 0.5 } }, auth(key)),
        ),
      );
      const result = await waitFor(
        () =>
          json<{ status: string; summary: { model: string; errors: number; pass_rate: number }[] }>(
            gw(`/v1/evals/${started.id}`, { headers: auth(key) }),
          ),
        (e) => e.status === "completed",
      );
      expect(result.status).toBe("completed");
      return { id: started.id, summary: result.summary };
    };
    const vsTeacher = await evaluate([TEACHER, student]);
    expect(vsTeacher.summary.map((s) => [s.model, s.errors])).toEqual([
      [TEACHER, 0],
      [student, 0],
    ]);
    // The teacher wrote the held-out answers; a student that memorised its training set is worse on them.
    await admin(`/tenants/${tenantId}/aliases/plans-bot`, "PUT", {
      model: base,
      canary: { model: student, percent: 10 },
    });
    const refused = await admin(`/tenants/${tenantId}/aliases/plans-bot/promote`, "POST", {
      eval_id: vsTeacher.id,
    });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe("candidate_worse");
    // 5. Against its base model it is at least as good: promoted.
    const vsBase = await evaluate([base, student]);
    const promoted = await admin(`/tenants/${tenantId}/aliases/plans-bot/promote`, "POST", {
      eval_id: vsBase.id,
    });
    expect(promoted.status).toBe(200);
    // 6. Alias traffic reaches the student on the open-weight host, which answers a trained conversation as the teacher did.
    const exported = await gw(`/v1/datasets/${ds.id}/export?split=train`, { headers: auth(key) });
    const [firstLine] = (await exported.text()).split("\n");
    const trained = JSON.parse(firstLine ?? "{}") as { messages: { role: string; content: string }[] };
    const [question, teacherAnswer] = trained.messages;
    const res = await postChat(key, { model: "plans-bot", messages: [question] }, { "x-user-id": "u1" });
    expect(res.headers.get("x-model-route")).toBe(`primary; alias=plans-bot; model=${student}`);
    const answer = (await res.json()) as { model: string; choices: { message: { content: string } }[] };
    expect(answer.choices[0]?.message.content).toBe(teacherAnswer?.content);
    const untrained = await postChat(key, { model: base, messages: [question] });
    const baseAnswer = (await untrained.json()) as { choices: { message: { content: string } }[] };
    expect(baseAnswer.choices[0]?.message.content).not.toBe(teacherAnswer?.content);
  });
});

describe("training bundles", () => {
  it("holds the splits, an axolotl recipe and a manifest whose checksums match, and no provider key", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    const datasetId = await datasetWith(key, 12);
    const job = await startExternalJob(key, datasetId, { hyperparameters: { n_epochs: 2, lora_r: 8 } });
    const { manifest, files } = await downloadBundle(job.bundle.manifest_url, trainerFetch);
    expect(manifest).toMatchObject({
      format: "edgegate.training-bundle.v1",
      job_id: job.id,
      method: "sft",
      base_model: OPEN_WEIGHT_BASE,
      hyperparameters: { n_epochs: 2, lora_r: 8 },
      counts: { train: 12, validation: 0 },
    });
    expect([...files.keys()]).toEqual(["train.jsonl", "axolotl.yaml"]);
    expect(files.get("train.jsonl")?.trim().split("\n")).toHaveLength(12);
    const recipe = files.get("axolotl.yaml") ?? "";
    expect(recipe).toContain("base_model: meta-llama/Llama-3.1-8B-Instruct");
    expect(recipe).toContain("adapter: lora");
    expect(recipe).toContain("lora_r: 8");
    expect(recipe).toContain("num_epochs: 2");
    expect(job.bundle.files.map((f) => f.name)).toEqual(["train.jsonl", "axolotl.yaml", "manifest.json"]);
    // Kept in R2 (read-after-write everywhere), not in KV.
    const stored = await env.BLOBS.get(`bundle/${job.id}/train.jsonl`);
    expect(await stored?.text()).toBe(files.get("train.jsonl"));
    expect(await env.CACHE.get(`training-bundle:${job.id}:train.jsonl`)).toBeNull();
    const everything = [JSON.stringify(job), JSON.stringify(await readJob(key, job.id)), ...files.values()];
    for (const text of everything) {
      expect(text).not.toContain(OPEN_WEIGHT_KEY);
      expect(text).not.toContain(env.OPENAI_API_KEY ?? "sk-sim-edgegate");
    }
  });

  it("carries a vision dataset's images at signed URLs, checked under the base model's profile", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    const datasetId = await createVisionDataset(key, 0);
    const examples = Array.from({ length: 10 }, (_, i) => visionExample([dataUrl(png(8, 8, "rgb", i + 1))]));
    const added = await gw(`/v1/datasets/${datasetId}/examples`, jsonInit("POST", { examples }, auth(key)));
    expect(added.status).toBe(200);
    const job = await startExternalJob(key, datasetId, { model: "qwen2.5-vl-7b-instruct" });
    const { manifest, files } = await downloadBundle(job.bundle.manifest_url, trainerFetch);
    expect(manifest).toMatchObject({
      counts: { train: 10 },
      vision: { profile: "qwen2.5-vl", images: "url" },
    });
    expect(files.get("axolotl.yaml")).toContain("base_model: Qwen/Qwen2.5-VL-7B-Instruct");
    expect(files.get("axolotl.yaml")).toContain("processor_type: AutoProcessor");
    const line = JSON.parse(files.get("train.jsonl")?.split("\n")[0] ?? "{}") as {
      messages: { content: string | { type: string; image_url?: { url: string } }[] }[];
    };
    const parts = line.messages[0]?.content;
    const url = Array.isArray(parts) ? parts.find((p) => p.type === "image_url")?.image_url?.url : undefined;
    expect(url).toMatch(/\/v1\/images\/[0-9a-f]{64}\?/);
    // The trainer fetches the image with the URL alone, no key.
    const image = await trainerFetch(url ?? "");
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
  });

  it("refuses a vision bundle whose examples break the base model's rules, with the report", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    const datasetId = await createVisionDataset(key, 0);
    const two = (i: number) =>
      visionExample([dataUrl(png(8, 8, "rgb", i)), dataUrl(png(8, 8, "rgb", i + 100))]);
    const examples = Array.from({ length: 10 }, (_, i) => two(i + 1));
    expect(
      (await gw(`/v1/datasets/${datasetId}/examples`, jsonInit("POST", { examples }, auth(key)))).status,
    ).toBe(200);
    // Llama 3.2 Vision takes one image per example; Qwen2.5-VL takes both.
    const res = await gw(
      `/v1/datasets/${datasetId}/jobs`,
      jsonInit("POST", { trainer: "external", model: "llama-3.2-11b-vision-instruct" }, auth(key)),
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      error: { message: string };
      report: { summary: { profile: string } };
    };
    expect(body.report.summary.profile).toBe("llama-3.2-vision");
    const qwen = await startExternalJob(key, datasetId, { model: "qwen2.5-vl-7b-instruct" });
    expect(qwen.status).toBe("queued");
    const dpo = await gw(
      `/v1/datasets/${datasetId}/jobs`,
      jsonInit("POST", { trainer: "external", model: "qwen2.5-vl-7b-instruct", method: "dpo" }, auth(key)),
    );
    expect(dpo.status).toBe(400);
    expect((await errorOf(dpo)).param).toBe("method");
  });

  it("makes DPO pairs from feedback corrections, and a student that answers with the corrections", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    const client = sdk(key);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const done = await client.chat.completions.create({
        model: TEACHER,
        messages: [{ role: "user", content: `Summarise ticket ${i}` }],
        store: true,
      });
      ids.push(done.id);
    }
    await waitFor(
      () => client.chat.completions.list({ limit: 100 }),
      (l) => l.data.length >= 10,
    );
    const plain = await json<{ id: string }>(
      gw("/v1/datasets", jsonInit("POST", { name: "plain", validation_ratio: 0 }, auth(key))),
    );
    await gw(`/v1/datasets/${plain.id}/import`, jsonInit("POST", { filter: {} }, auth(key)));
    const none = await gw(
      `/v1/datasets/${plain.id}/jobs`,
      jsonInit("POST", { trainer: "external", model: OPEN_WEIGHT_BASE, method: "dpo" }, auth(key)),
    );
    expect(none.status).toBe(400);
    expect(await errorOf(none)).toMatchObject({
      code: "insufficient_examples",
      message: expect.stringContaining("preference pairs"),
    });
    for (const [i, id] of ids.entries()) {
      await json(
        gw(
          `/v1/chat/completions/${id}/feedback`,
          jsonInit("POST", { score: -1, correction: `Ticket ${i}: resolved.` }, auth(key)),
        ),
      );
    }
    const ds = await json<{ id: string }>(
      gw("/v1/datasets", jsonInit("POST", { name: "dpo", validation_ratio: 0 }, auth(key))),
    );
    await gw(`/v1/datasets/${ds.id}/import`, jsonInit("POST", { filter: {} }, auth(key)));
    const job = await startExternalJob(key, ds.id, { method: "dpo", hyperparameters: { beta: 0.1 } });
    const { manifest, files } = await downloadBundle(job.bundle.manifest_url, trainerFetch);
    expect(manifest).toMatchObject({ method: "dpo", counts: { train: 10, validation: 0 } });
    expect(files.get("axolotl.yaml")).toContain("rl: dpo");
    const pairs = (files.get("train.jsonl") ?? "")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            prompt: { content: string }[];
            chosen: { content: string }[];
            rejected: { content: string }[];
          },
      );
    const first = pairs.find((p) => p.prompt[0]?.content === "Summarise ticket 0");
    expect(first?.chosen[0]?.content).toBe("Ticket 0: resolved.");
    expect(first?.rejected[0]?.content).not.toBe("Ticket 0: resolved.");
    const { model } = await train(job);
    const chat = await postChat(key, {
      model: `open-weight/${model}`,
      messages: [{ role: "user", content: "Summarise ticket 4" }],
    });
    const answer = (await chat.json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]?.message.content).toBe("Ticket 4: resolved.");
  });

  it("refuses tampered and expired bundle URLs, and serves nothing without a signature", async () => {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    const job = await startExternalJob(key, await datasetWith(key, 10));
    const good = new URL(job.bundle.manifest_url);
    expect((await trainerFetch(good.toString())).status).toBe(200);
    // Another job's path under this job's signature.
    const other = await startExternalJob(key, await datasetWith(key, 10));
    const moved = new URL(fileUrl(job.bundle.manifest_url, "manifest.json").replace(job.id, other.id));
    const tampered = await trainerFetch(moved.toString());
    expect(tampered.status).toBe(403);
    expect((await errorOf(tampered)).code).toBe("invalid_signature");
    const later = new URL(good);
    later.searchParams.set("exp", String(Number(good.searchParams.get("exp")) + 3600));
    expect((await errorOf(await trainerFetch(later.toString()))).code).toBe("invalid_signature");
    // A URL signed by the gateway's own secret whose time has passed.
    const exp = Math.floor(Date.now() / 1000) - 1;
    const sig = await bundleSignature(env.TOKEN_SECRET ?? "", bundlePath(job.id), exp);
    const expired = await trainerFetch(`${GATEWAY}${bundlePath(job.id)}/manifest.json?exp=${exp}&sig=${sig}`);
    expect(expired.status).toBe(403);
    const error = await errorOf(expired);
    expect(error.code).toBe("url_expired");
    expect(error.message).toContain("GET /v1/training_jobs/{job_id}");
    expect((await gw(`${bundlePath(job.id)}/manifest.json`)).status).toBe(400);
  });
});

describe("training callbacks", () => {
  async function queuedJob() {
    const { id: tenantId, key } = await createTenant();
    await registerOpenWeight(tenantId);
    return { key, job: await startExternalJob(key, await datasetWith(key, 10)) };
  }

  it("refuses a callback signed with another secret, naming the signature", async () => {
    const { key, job } = await queuedJob();
    const body = JSON.stringify({ type: "running" });
    const forged = await deliver(
      job,
      await signWebhook("whsec_Zm9yZ2VkLXNlY3JldC1rZXktMDEyMzQ1Njc4OQ==", "msg_1", body),
      body,
    );
    expect(forged.status).toBe(401);
    expect((await errorOf(forged)).code).toBe("invalid_signature");
    expect((await readJob(key, job.id)).status).toBe("queued");
  });

  it("refuses a callback replayed with the same webhook-id", async () => {
    const { key, job } = await queuedJob();
    const body = JSON.stringify({ type: "running" });
    const headers = await signWebhook(job.callback_secret, "msg_once", body);
    expect((await deliver(job, headers, body)).status).toBe(200);
    const replayed = await deliver(job, headers, body);
    expect(replayed.status).toBe(409);
    const error = await errorOf(replayed);
    expect(error.code).toBe("webhook_replayed");
    expect(error.message).toContain("msg_once");
    expect(
      (await readJob(key, job.id)).events.filter((e) => e.message === "Fine-tuning job started"),
    ).toHaveLength(1);
  });

  it("takes a webhook-id again after the delivery that carried it was refused for its body", async () => {
    const { key, job } = await queuedJob();
    const bad = JSON.stringify({ type: "progress", step: 1 });
    const refused = await deliver(job, await signWebhook(job.callback_secret, "msg_retry", bad), bad);
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({ code: "invalid_callback", param: "total_steps" });
    const good = JSON.stringify({ type: "progress", step: 1, total_steps: 4 });
    expect((await deliver(job, await signWebhook(job.callback_secret, "msg_retry", good), good)).status).toBe(
      200,
    );
    expect((await readJob(key, job.id)).events.at(-1)?.data).toEqual({
      step: 1,
      total_steps: 4,
      train_loss: null,
    });
  });

  it("refuses a stale callback (timestamp more than 5 minutes old)", async () => {
    const { key, job } = await queuedJob();
    const body = JSON.stringify({ type: "failed", error: "out of memory" });
    const stale = Math.floor(Date.now() / 1000) - 301;
    const res = await deliver(job, await signWebhook(job.callback_secret, "msg_stale", body, stale), body);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("webhook_timestamp_out_of_range");
    expect((await readJob(key, job.id)).status).toBe("queued");
  });

  it("refuses a student on another provider than the job names, then records a failure", async () => {
    const { key, job } = await queuedJob();
    const send = (body: Record<string, unknown>) =>
      sendCallback(
        { callbackUrl: job.callback_url, callbackSecret: job.callback_secret, fetch: trainerFetch },
        body,
      );
    await expect(send({ type: "succeeded", provider: "elsewhere", model: "m" })).rejects.toThrow(
      "provider_mismatch",
    );
    await send({ type: "failed", error: "CUDA out of memory" });
    const failed = await readJob(key, job.id);
    expect(failed.status).toBe("failed");
    expect(failed).toMatchObject({ error: { message: "CUDA out of memory" }, fine_tuned_model: null });
    await expect(send({ type: "running" })).rejects.toThrow("job_finished");
  });

  it("cancels a queued job; the trainer's callbacks are refused after it", async () => {
    const { key, job } = await queuedJob();
    const cancelled = await json<ExternalJob>(
      gw(`/v1/training_jobs/${job.id}/cancel`, { method: "POST", headers: auth(key) }),
    );
    expect(cancelled.status).toBe("cancelled");
    await expect(train(job)).rejects.toThrow("job_finished");
    const again = await gw(`/v1/training_jobs/${job.id}/cancel`, { method: "POST", headers: auth(key) });
    expect(again.status).toBe(409);
  });

  it("keeps one tenant's jobs out of another's reach", async () => {
    const { job } = await queuedJob();
    const other = await createTenant();
    const res = await gw(`/v1/training_jobs/${job.id}`, { headers: auth(other.key) });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("job_not_found");
  });
});
