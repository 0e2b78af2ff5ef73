import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUnfinishedJobs } from "../../src/finetune";
import { auth, datasetWith, providerFinished, simConfig, taught } from "./helpers/finetune";
import { createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { signWebhook } from "./helpers/webhooks";

beforeAll(() => simConfig({ fineTuneStepMs: 10 }));
afterAll(() => simConfig({ fineTuneStepMs: 200 }));

interface Job {
  id: string;
  status: string;
  fine_tuned_model: string | null;
  dataset_id: string;
  events: unknown[];
  metrics: Record<string, unknown> | null;
  training_file: string;
  validation_file: string | null;
}

const startJob = (key: string, datasetId: string, body: Record<string, unknown> = {}) =>
  gw(
    `/v1/datasets/${datasetId}/fine_tuning_jobs`,
    jsonInit("POST", { model: "gpt-4o-mini-2024-07-18", suffix: "distill", ...body }, auth(key)),
  );

const storedStatus = async (id: string) =>
  (
    await env.DB.prepare("SELECT status FROM fine_tuning_jobs WHERE id = ?")
      .bind(id)
      .first<{ status: string }>()
  )?.status;

describe("fine-tuning from datasets", () => {
  it("refuses a dataset with fewer than 10 training examples before uploading anything", async () => {
    const { key } = await createTenant();
    const id = await datasetWith(key, 9);
    const res = await startJob(key, id);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "insufficient_examples", param: "dataset_id" });
    const dpo = await startJob(key, await datasetWith(key, 12), { method: { type: "dpo" } });
    expect((await errorOf(dpo)).code).toBe("insufficient_examples");
  });

  it("sends files and jobs to the tenant's fine-tuning base_url when set", async () => {
    const { key } = await createTenant({
      distillation: { fine_tuning: { base_url: "http://127.0.0.1:9/v1" } },
    });
    const res = await startJob(key, await datasetWith(key, 10));
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_unreachable");
  });

  it("uploads the splits, starts the job and lists it with live status until the ft: model answers", async () => {
    const { key } = await createTenant();
    const id = await datasetWith(key, 40, 0.2);
    const res = await startJob(key, id);
    expect(res.status).toBe(200);
    const job = (await res.json()) as Job;
    expect(job).toMatchObject({ dataset_id: id, status: "validating_files" });
    expect(job.validation_file).toMatch(/^file-/);
    expect(await providerFinished(job.id)).toBe("succeeded");
    const list = await gw(`/v1/datasets/${id}/fine_tuning_jobs`, { headers: auth(key) });
    const [live] = ((await list.json()) as { data: Job[] }).data;
    expect(live?.status).toBe("succeeded");
    expect(live?.fine_tuned_model).toMatch(/^ft:gpt-4o-mini-2024-07-18:.*:distill:/);
    expect(live?.events.length).toBeGreaterThan(0);
    expect(live?.metrics).toHaveProperty("train_loss");
    expect(await storedStatus(job.id)).toBe("succeeded");
    const answer = await sdk(key).chat.completions.create({
      model: live?.fine_tuned_model ?? "",
      messages: [taught(3).messages[0] as { role: "user"; content: string }],
    });
    expect(answer.choices[0]?.message.content).toBe("The secret code 3 is ZEBRA-21.");
  });

  it("trains DPO on preference pairs made from feedback corrections", async () => {
    const { key } = await createTenant({ distillation: { capture_all: true } });
    const client = sdk(key);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const done = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: `Summarise ticket ${i}` }],
      });
      ids.push(done.id);
    }
    const deadline = Date.now() + 3_000;
    while ((await client.chat.completions.list({ limit: 100 })).data.length < 12 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const [i, id] of ids.entries()) {
      const res = await gw(
        `/v1/chat/completions/${id}/feedback`,
        jsonInit("POST", { score: -1, correction: `Ticket ${i}: resolved.` }, auth(key)),
      );
      expect(res.status).toBe(200);
    }
    const ds = (await (
      await gw("/v1/datasets", jsonInit("POST", { name: "dpo", validation_ratio: 0 }, auth(key)))
    ).json()) as { id: string };
    await gw(`/v1/datasets/${ds.id}/import`, jsonInit("POST", { filter: {} }, auth(key)));
    const res = await startJob(key, ds.id, {
      method: { type: "dpo", dpo: { hyperparameters: { beta: 0.1 } } },
    });
    expect(res.status).toBe(200);
    const job = (await res.json()) as Job & { method?: { type: string } };
    expect(job.method?.type).toBe("dpo");
    expect(await providerFinished(job.id)).toBe("succeeded");
  });

  it("follows the provider's signed webhook, once per webhook-id", async () => {
    const { key } = await createTenant();
    const job = (await (await startJob(key, await datasetWith(key, 10))).json()) as Job;
    expect(await providerFinished(job.id)).toBe("succeeded");
    expect(await storedStatus(job.id)).toBe("validating_files");
    const secret = env.OPENAI_WEBHOOK_SECRET ?? "";
    const body = JSON.stringify({
      object: "event",
      id: "evt_1",
      type: "fine_tuning.job.succeeded",
      created_at: Math.floor(Date.now() / 1000),
      data: { id: job.id },
    });
    const forged = await gw("/hooks/openai", {
      method: "POST",
      headers: await signWebhook("whsec_Zm9yZ2Vk", "wh_1", body),
      body,
    });
    expect(forged.status).toBe(401);
    expect(await storedStatus(job.id)).toBe("validating_files");
    const headers = await signWebhook(secret, "wh_1", body);
    const first = await gw("/hooks/openai", { method: "POST", headers, body });
    expect(await first.json()).toEqual({ received: true, replayed: false });
    expect(await storedStatus(job.id)).toBe("succeeded");
    const retry = await gw("/hooks/openai", { method: "POST", headers, body });
    expect(await retry.json()).toEqual({ received: true, replayed: true });
  });

  it("polls unfinished jobs from the cron", async () => {
    const { key } = await createTenant();
    const job = (await (await startJob(key, await datasetWith(key, 10))).json()) as Job;
    expect(await providerFinished(job.id)).toBe("succeeded");
    const result = await pollUnfinishedJobs(env);
    expect(result.failed).toBe(0);
    expect(result.polled).toBeGreaterThanOrEqual(1);
    expect(await storedStatus(job.id)).toBe("succeeded");
  });

  it("passes /v1/files and /v1/fine_tuning/jobs through, showing each tenant only its own", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const jsonl = `${[...Array(10).keys()].map((i) => JSON.stringify(taught(i))).join("\n")}\n`;
    const file = await sdk(a.key).files.create({
      file: new File([jsonl], "train.jsonl", { type: "application/jsonl" }),
      purpose: "fine-tune",
    });
    expect(file.id).toMatch(/^file-/);
    const ftJob = await sdk(a.key).fineTuning.jobs.create({
      model: "gpt-4o-mini-2024-07-18",
      training_file: file.id,
    });
    expect((await sdk(a.key).files.list()).data.map((f) => f.id)).toEqual([file.id]);
    expect((await sdk(b.key).files.list()).data).toEqual([]);
    expect((await sdk(a.key).fineTuning.jobs.retrieve(ftJob.id)).id).toBe(ftJob.id);
    const other = await gw(`/v1/fine_tuning/jobs/${ftJob.id}`, { headers: auth(b.key) });
    expect(other.status).toBe(404);
    expect((await sdk(a.key).fineTuning.jobs.listEvents(ftJob.id)).data.length).toBeGreaterThan(0);
  });
});
