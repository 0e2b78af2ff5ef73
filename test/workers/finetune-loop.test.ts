import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postChat } from "./helpers/chat";
import { capturedDataset, json, waitFor } from "./helpers/distill";
import { auth, providerFinished, simConfig } from "./helpers/finetune";
import { admin, createTenant, gw, jsonInit } from "./helpers/gateway";
import { signWebhook } from "./helpers/webhooks";

beforeAll(() => simConfig({ fineTuneStepMs: 10 }));
afterAll(() => simConfig({ fineTuneStepMs: 200 }));

const STUDENT = "gpt-4o-mini-2024-07-18";

describe("the distillation loop", () => {
  it("captures a teacher, fine-tunes a student, evaluates, promotes, and routes alias traffic to the ft: model", async () => {
    const { id: tenantId, key } = await createTenant();
    // 1. Teacher traffic, captured with store: true; 2. a dataset imported from it.
    const { datasetId, imported } = await capturedDataset(key, {
      teacher: "gpt-4o",
      count: 24,
      question: (i) => `How do I reset password number ${i}?`,
      app: "faq",
      validationRatio: 0.25,
    });
    expect(imported).toBe(24);
    const ds = { id: datasetId };
    // 3. A fine-tuning job, finished through the provider's signed webhook.
    const job = await json<{ id: string }>(
      gw(
        `/v1/datasets/${ds.id}/fine_tuning_jobs`,
        jsonInit("POST", { model: STUDENT, suffix: "faq" }, auth(key)),
      ),
    );
    expect(await providerFinished(job.id)).toBe("succeeded");
    const event = JSON.stringify({
      object: "event",
      id: "evt_loop",
      type: "fine_tuning.job.succeeded",
      created_at: 0,
      data: { id: job.id },
    });
    const hook = await gw("/hooks/openai", {
      method: "POST",
      headers: await signWebhook(env.OPENAI_WEBHOOK_SECRET ?? "", `wh_${job.id}`, event),
      body: event,
    });
    expect(hook.status).toBe(200);
    const stored = await env.DB.prepare("SELECT status, fine_tuned_model FROM fine_tuning_jobs WHERE id = ?")
      .bind(job.id)
      .first<{ status: string; fine_tuned_model: string }>();
    expect(stored?.status).toBe("succeeded");
    const ftModel = stored?.fine_tuned_model ?? "";
    expect(ftModel).toMatch(/^ft:/);
    // 4. The student before and after fine-tuning, on the validation split.
    const started = await json<{ id: string }>(
      gw(
        `/v1/datasets/${ds.id}/evals`,
        jsonInit(
          "POST",
          { models: [STUDENT, ftModel], grader: { type: "text_similarity", threshold: 0.5 } },
          auth(key),
        ),
      ),
    );
    const evaluation = await waitFor(
      () => json<{ status: string }>(gw(`/v1/evals/${started.id}`, { headers: auth(key) })),
      (e) => e.status === "completed",
    );
    expect(evaluation.status).toBe("completed");
    // 5. An alias with the student as canary, then promotion guarded by the evaluation.
    await admin(`/tenants/${tenantId}/aliases/faq-bot`, "PUT", {
      model: STUDENT,
      canary: { model: ftModel, percent: 10 },
    });
    const promoted = await admin(`/tenants/${tenantId}/aliases/faq-bot/promote`, "POST", {
      eval_id: started.id,
    });
    expect(promoted.status).toBe(200);
    // 6. Alias traffic reaches the ft: model, which answers a trained conversation like the teacher did.
    const exported = await gw(`/v1/datasets/${ds.id}/export?split=train`, { headers: auth(key) });
    const [firstLine] = new TextDecoder().decode(await exported.arrayBuffer()).split("\n");
    const trained = JSON.parse(firstLine ?? "{}") as { messages: { role: string; content: string }[] };
    const [question, teacherAnswer] = trained.messages;
    const res = await postChat(key, { model: "faq-bot", messages: [question] }, { "x-user-id": "u1" });
    expect(res.headers.get("x-model-route")).toBe(`primary; alias=faq-bot; model=${ftModel}`);
    const answer = (await res.json()) as { model: string; choices: { message: { content: string } }[] };
    expect(answer.model).toBe(ftModel);
    expect(answer.choices[0]?.message.content).toBe(teacherAnswer?.content);
    const untrained = await postChat(key, { model: STUDENT, messages: [question] });
    const base = (await untrained.json()) as { choices: { message: { content: string } }[] };
    expect(base.choices[0]?.message.content).not.toBe(teacherAnswer?.content);
  });
});
