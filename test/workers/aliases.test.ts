import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { postChat } from "./helpers/chat";
import { admin, createTenant, errorOf } from "./helpers/gateway";

const ask = (model: string) => ({ model, messages: [{ role: "user", content: "route me" }] });

async function insertEval(
  tenantId: string,
  summary: { model: string; pass_rate: number; mean_score: number }[],
) {
  const id = `eval_${crypto.randomUUID().slice(0, 8)}`;
  const full = summary.map((s) => ({
    items: 10,
    errors: 0,
    win_rate: 0.5,
    latency_ms_p50: 1,
    latency_ms_mean: 1,
    cost_usd: 0,
    ...s,
  }));
  await env.DB.prepare(
    `INSERT INTO evals (id, tenant_id, dataset_id, status, models, grader, max_items, total, done, summary, created_at)
     VALUES (?, ?, 'ds_x', 'completed', ?, '{"type":"exact"}', 10, 10, 10, ?, 0)`,
  )
    .bind(id, tenantId, JSON.stringify(summary.map((s) => s.model)), JSON.stringify(full))
    .run();
  return id;
}

/** The alias `support` (gpt-4o, canary gpt-4o-mini) and an evaluation where the candidate is worse. */
async function supportAliasAndWorseEval(tenantId: string): Promise<string> {
  await admin(`/tenants/${tenantId}/aliases/support`, "PUT", {
    model: "gpt-4o",
    canary: { model: "gpt-4o-mini", percent: 10 },
  });
  return insertEval(tenantId, [
    { model: "gpt-4o", pass_rate: 0.9, mean_score: 0.9 },
    { model: "gpt-4o-mini", pass_rate: 0.7, mean_score: 0.8 },
  ]);
}

describe("model aliases", () => {
  it("routes an alias to its model and says so in X-Model-Route", async () => {
    const { id, key } = await createTenant();
    const put = await admin(`/tenants/${id}/aliases/support`, "PUT", { model: "gpt-4o-mini" });
    expect(await put.json()).toMatchObject({ alias: "support", model: "gpt-4o-mini", canary: null });
    const res = await postChat(key, ask("support"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-route")).toBe("primary; alias=support; model=gpt-4o-mini");
    expect(((await res.json()) as { model: string }).model).toMatch(/^gpt-4o-mini/);
    const plain = await postChat(key, ask("gpt-4o-mini"));
    expect(plain.headers.get("x-model-route")).toBeNull();
  });

  it("sends a stable share of end users to the canary", async () => {
    const { id, key } = await createTenant();
    await admin(`/tenants/${id}/aliases/support`, "PUT", {
      model: "gpt-4o-mini",
      canary: { model: "gpt-4o", percent: 50 },
    });
    const routes = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const res = await postChat(key, ask("support"), { "x-user-id": `user-${i}` });
      routes.set(`user-${i}`, res.headers.get("x-model-route") ?? "");
    }
    const canaries = [...routes.values()].filter((r) => r.startsWith("canary; alias=support; model=gpt-4o"));
    expect(canaries.length).toBeGreaterThan(0);
    expect(canaries.length).toBeLessThan(20);
    for (const [user, route] of routes) {
      const again = await postChat(key, ask("support"), { "x-user-id": user });
      expect(again.headers.get("x-model-route")).toBe(route);
    }
  });

  it("checks the resolved model against allowed_models", async () => {
    const { id, key } = await createTenant({ allowed_models: ["gpt-4o-mini"] });
    await admin(`/tenants/${id}/aliases/big`, "PUT", { model: "gpt-4o" });
    const res = await postChat(key, ask("big"));
    expect(res.status).toBe(403);
  });

  it("refuses an alias or canary naming a fine-tuned model that is not the tenant's own", async () => {
    const { id } = await createTenant();
    const foreign = "ft:gpt-4o-mini-2024-07-18:another-tenant::abc123";
    const direct = await admin(`/tenants/${id}/aliases/stolen`, "PUT", { model: foreign });
    expect(direct.status).toBe(404);
    expect(await errorOf(direct)).toMatchObject({ param: "model", code: "model_not_found" });
    const canary = await admin(`/tenants/${id}/aliases/stolen`, "PUT", {
      model: "gpt-4o-mini",
      canary: { model: foreign, percent: 10 },
    });
    expect(canary.status).toBe(404);
    expect(await errorOf(canary)).toMatchObject({ param: "canary.model", code: "model_not_found" });
  });

  it("promotes the candidate only when the evaluation shows it at least as good", async () => {
    const { id, key } = await createTenant();
    const worse = await supportAliasAndWorseEval(id);
    const refused = await admin(`/tenants/${id}/aliases/support/promote`, "POST", { eval_id: worse });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe("candidate_worse");
    const lenient = await admin(`/tenants/${id}/aliases/support/promote`, "POST", {
      eval_id: worse,
      threshold: 0.2,
    });
    expect(lenient.status).toBe(200);
    expect(await lenient.json()).toMatchObject({
      model: "gpt-4o-mini",
      canary: null,
      promoted_eval_id: worse,
    });
    const res = await postChat(key, ask("support"));
    expect(res.headers.get("x-model-route")).toBe("primary; alias=support; model=gpt-4o-mini");
    const other = await createTenant();
    const foreign = await admin(`/tenants/${other.id}/aliases/x`, "PUT", { model: "gpt-4o" });
    expect(foreign.status).toBe(200);
    const notMine = await admin(`/tenants/${other.id}/aliases/x/promote`, "POST", { eval_id: worse });
    expect(notMine.status).toBe(404);
  });

  it("lists each alias with the gateway's promotion verdict for the evaluation named", async () => {
    const { id } = await createTenant();
    const worse = await supportAliasAndWorseEval(id);
    const better = await insertEval(id, [
      { model: "gpt-4o", pass_rate: 0.7, mean_score: 0.7 },
      { model: "gpt-4o-mini", pass_rate: 0.8, mean_score: 0.9 },
    ]);
    const list = async (query: string) =>
      ((await (await admin(`/tenants/${id}/aliases${query}`)).json()) as { data: unknown[] }).data;

    expect(await list("")).toMatchObject([{ alias: "support", promotion: null }]);
    const refused = await admin(`/tenants/${id}/aliases/support/promote`, "POST", { eval_id: worse });
    const refusal = await errorOf(refused);
    expect(await list(`?eval_id=${worse}`)).toEqual([
      expect.objectContaining({
        alias: "support",
        promotion: {
          eval_id: worse,
          eligible: false,
          candidate: "gpt-4o-mini",
          reason: refusal.message,
          code: "candidate_worse",
        },
      }),
    ]);
    expect(refusal.message).toBe("Not promoting gpt-4o-mini: its pass rate 0.7 is below the baseline's 0.9.");
    expect(await list(`?eval_id=${worse}&threshold=0.2`)).toMatchObject([
      { promotion: { eval_id: worse, eligible: true, code: null } },
    ]);
    expect(await list(`?eval_id=${better}`)).toMatchObject([
      {
        promotion: {
          eval_id: better,
          eligible: true,
          candidate: "gpt-4o-mini",
          reason: "The evaluation allows promoting gpt-4o-mini.",
          code: null,
        },
      },
    ]);

    await env.DB.prepare("UPDATE evals SET status = 'in_progress', summary = NULL WHERE id = ?")
      .bind(better)
      .run();
    expect(await list(`?eval_id=${better}`)).toMatchObject([
      { promotion: { eligible: false, candidate: null, code: "eval_not_completed" } },
    ]);
    const other = await createTenant();
    const foreign = await admin(`/tenants/${other.id}/aliases?eval_id=${worse}`);
    expect(foreign.status).toBe(404);
    expect((await errorOf(foreign)).param).toBe("eval_id");
  });
});
