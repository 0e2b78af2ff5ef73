/**
 * What the console's pages read from routes that existed before it, checked in admin mode
 * (ADMIN_TOKEN + X-Edgegate-Tenant), the way the console calls them.
 */
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asTenant, createConsoleTenant } from "./helpers/console";
import { datasetWith, providerFinished, simConfig } from "./helpers/finetune";
import { gw, jsonInit } from "./helpers/gateway";
import { eventually } from "./helpers/realtime";

beforeAll(() => simConfig({ fineTuneStepMs: 10 }));
afterAll(() => simConfig({ fineTuneStepMs: 200 }));

interface Operation {
  security?: Record<string, string[]>[];
}

describe("console contract", () => {
  it("lists metrics events of a fine-tuning job through /v1/fine_tuning/jobs/{id}/events", async () => {
    const t = await createConsoleTenant();
    const dataset = await datasetWith(t.key, 10);
    const created = await gw(
      `/v1/datasets/${dataset}/fine_tuning_jobs`,
      jsonInit("POST", { model: "gpt-4o-mini-2024-07-18" }, asTenant(t.id)),
    );
    expect(created.status).toBe(200);
    const job = (await created.json()) as { id: string };
    expect(await providerFinished(job.id)).toBe("succeeded");
    const events = (await (
      await gw(`/v1/fine_tuning/jobs/${job.id}/events?limit=100`, { headers: asTenant(t.id) })
    ).json()) as { object: string; data: { type: string; data: Record<string, number> | null }[] };
    expect(events.object).toBe("list");
    const metrics = events.data.filter((e) => e.type === "metrics");
    expect(metrics.length).toBeGreaterThan(0);
    for (const e of metrics) {
      expect(e.data).toMatchObject({
        step: expect.any(Number),
        train_loss: expect.any(Number),
        valid_loss: expect.any(Number),
        train_mean_token_accuracy: expect.any(Number),
        total_steps: expect.any(Number),
      });
    }
  });

  it("shows each evaluated item's baseline and candidate outputs and scores", async () => {
    const t = await createConsoleTenant();
    const dataset = await datasetWith(t.key, 8, 0.5);
    const models = ["gpt-4o", "gpt-4o-mini"];
    const started = await gw(
      `/v1/datasets/${dataset}/evals`,
      jsonInit("POST", { models, grader: { type: "exact" } }, asTenant(t.id)),
    );
    expect(started.status).toBeLessThan(300);
    const { id } = (await started.json()) as { id: string };
    const done = await eventually(
      async () =>
        (await (await gw(`/v1/evals/${id}`, { headers: asTenant(t.id) })).json()) as {
          status: string;
          models: string[];
          summary: { model: string }[] | null;
          items?: { example_id: string; reference: string; results: { output: string; score: number }[] }[];
        },
      (v) => v.status === "completed" || v.status === "failed",
      8_000,
    );
    expect(done.status).toBe("completed");
    expect(done.models).toEqual(models);
    expect(done.summary?.map((s) => s.model)).toEqual(models);
    expect(done.items?.length).toBeGreaterThan(0);
    for (const item of done.items ?? []) {
      expect(item.results).toHaveLength(2);
      for (const r of item.results) {
        expect(r.output).toBeTypeOf("string");
        expect(r.score).toBeTypeOf("number");
      }
    }
  });

  it("documents every console route in /openapi.json with its security", async () => {
    const doc = (await (await exports.default.fetch("https://gateway.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const routes: [string, string][] = [
      ["/admin/whoami", "get"],
      ["/admin/tenants/{id}/traffic", "get"],
      ["/admin/tenants/{id}/cache/events", "get"],
      ["/admin/tenants/{id}/keys/{key_id}", "delete"],
    ];
    for (const [path, method] of routes) {
      const op = doc.paths[path]?.[method];
      expect([path, op?.security]).toEqual([path, [{ adminToken: [] }, { consoleKey: ["admin"] }]]);
    }
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(["adminToken", "consoleKey", "bearer"]),
    );
    // Scoped routes name the scope they need; end-user routes say so in words.
    expect(doc.paths["/v1/datasets"]?.get?.security).toEqual([{ bearer: ["datasets"] }]);
    expect(doc.paths["/v1/chat/completions"]?.post?.security).toEqual([{ bearer: ["inference"] }]);
    expect(JSON.stringify(doc.paths["/v1/chat/completions"]?.post)).toContain("end-user tokens");
    const importBody = JSON.stringify(doc.paths["/v1/datasets/{dataset_id}/import"]);
    expect(importBody).toContain("ImportCompletionsRequest");
  });
});
