/**
 * Model lifecycle: models past their shutdown date are refused, models shutting down within 60 days
 * are announced (`Sunset`, `x-edgegate-warning`), and OpenAI's fine-tuning takes no jobs after its
 * cutoff. The date is decided by the EDGEGATE_NOW Worker variable (src/models/clock.ts).
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ask, postChat } from "./helpers/chat";
import { auth, datasetWith, simConfig } from "./helpers/finetune";
import { admin, createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { upgrade } from "./helpers/realtime";
import { sim } from "./helpers/sim";

const bindings = env as unknown as { EDGEGATE_NOW?: string };
const pinned = bindings.EDGEGATE_NOW;
const at = (iso: string) => {
  bindings.EDGEGATE_NOW = iso;
};
const EARLY_DECEMBER = "2026-12-01T12:00:00Z";
const AFTER_CUTOFF = "2027-01-07T00:00:00Z";
const AFTER_SHUTDOWN = "2027-01-14T00:00:01Z";

beforeEach(() => sim.reset());
afterEach(() => {
  bindings.EDGEGATE_NOW = pinned;
});

describe("inference", () => {
  it("announces a model that shuts down within 60 days", async () => {
    at(EARLY_DECEMBER);
    const { key } = await createTenant();
    const soon = await postChat(key, ask("hello", { model: "gpt-4.1" }));
    expect(soon.status).toBe(200);
    expect(soon.headers.get("x-edgegate-warning")).toContain("shuts down on 2027-01-14 (in 43 days)");
    expect(soon.headers.get("sunset")).toBe("Thu, 14 Jan 2027 00:00:00 GMT");
    const steady = await postChat(key, ask("hello", { model: "gpt-4o-mini" }));
    expect(steady.headers.get("x-edgegate-warning")).toBeNull();
  });

  it("refuses a model past its shutdown date with 404 naming the date, before calling the provider", async () => {
    at(AFTER_SHUTDOWN);
    const { key } = await createTenant();
    const res = await postChat(key, ask("hello", { model: "gpt-4o-mini-2024-07-18" }));
    expect(res.status).toBe(404);
    const error = await errorOf(res);
    expect(error.code).toBe("model_not_found");
    expect(error.message).toContain("shut down on 2027-01-14");
    expect(await sim.requests("POST /v1/chat/completions")).toBe(0);
  });

  it("uses the shutdown_date a tenant's provider announces in its /v1/models", async () => {
    at(EARLY_DECEMBER);
    const tenant = await createTenant();
    await simConfig({ extraApiKeys: ["sk-lifecycle-provider-key-0001"] });
    try {
      const created = await admin(`/tenants/${tenant.id}/providers`, "POST", {
        name: "lab",
        base_url: `${sim.origin().replace("127.0.0.1", "localhost")}/v1`,
        api_key: "sk-lifecycle-provider-key-0001",
        capabilities: ["chat"],
      });
      expect(created.status).toBe(201);
      expect(
        ((await created.json()) as { shutdown_dates: Record<string, string> }).shutdown_dates,
      ).toMatchObject({
        "o4-mini": "2026-10-23",
        "gpt-5": "2026-12-11",
      });
      const gone = await postChat(tenant.key, ask("hello", { model: "lab/o4-mini" }));
      expect(gone.status).toBe(404);
      expect((await errorOf(gone)).message).toContain("2026-10-23");
      const soon = await postChat(tenant.key, ask("hello", { model: "lab/gpt-5" }));
      expect(soon.status).toBe(200);
      expect(soon.headers.get("x-edgegate-warning")).toContain("2026-12-11");
    } finally {
      await simConfig({ extraApiKeys: [] });
    }
  });
});

describe("fine-tuning", () => {
  const startJob = (key: string, datasetId: string, model: string) =>
    gw(`/v1/datasets/${datasetId}/fine_tuning_jobs`, jsonInit("POST", { model }, auth(key)));

  it("refuses dataset jobs on OpenAI's API after its fine-tuning cutoff, naming the date", async () => {
    const { key } = await createTenant();
    const datasetId = await datasetWith(key, 10);
    at(AFTER_CUTOFF);
    const res = await startJob(key, datasetId, "gpt-4.1-nano-2025-04-14");
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("fine_tuning_unavailable");
    expect(error.message).toContain("2027-01-06");
    expect(await sim.requests("POST /v1/fine_tuning/jobs")).toBe(0);
  });

  it("refuses a pass-through job on OpenAI's API after the cutoff, and a base model past its shutdown before it", async () => {
    const { key } = await createTenant();
    const create = (model: string) =>
      gw("/v1/fine_tuning/jobs", jsonInit("POST", { model, training_file: "file-none" }, auth(key)));
    at(AFTER_CUTOFF);
    const late = await create("gpt-4.1-nano-2025-04-14");
    expect(late.status).toBe(400);
    expect((await errorOf(late)).code).toBe("fine_tuning_unavailable");
    at(EARLY_DECEMBER);
    const retired = await create("o4-mini-2025-04-16");
    expect(retired.status).toBe(400);
    const error = await errorOf(retired);
    expect(error.code).toBe("model_shut_down");
    expect(error.message).toContain("2026-10-23");
  });

  it("leaves jobs on another fine-tuning API alone after OpenAI's cutoff", async () => {
    const elsewhere = `${sim.origin().replace("127.0.0.1", "localhost")}/v1`;
    const { key } = await createTenant({ distillation: { fine_tuning: { base_url: elsewhere } } });
    at(AFTER_CUTOFF);
    const res = await gw(
      "/v1/fine_tuning/jobs",
      jsonInit("POST", { model: "gpt-4.1-nano-2025-04-14", training_file: "file-none" }, auth(key)),
    );
    // Past the lifecycle checks: the next check refuses the file it does not own.
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("file_not_found");
  });

  it("starts a job on a base model shutting down soon, with the warning headers", async () => {
    const { key } = await createTenant();
    const datasetId = await datasetWith(key, 10);
    at(EARLY_DECEMBER);
    const res = await startJob(key, datasetId, "gpt-4o-mini-2024-07-18");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgegate-warning")).toContain("2027-01-14");
    expect(res.headers.get("sunset")).toBe("Thu, 14 Jan 2027 00:00:00 GMT");
  });
});

describe("aliases", () => {
  it("warns on an alias to a model shutting down soon and refuses one past its shutdown", async () => {
    const tenant = await createTenant();
    at(EARLY_DECEMBER);
    const soon = await admin(`/tenants/${tenant.id}/aliases/prod`, "PUT", {
      model: "gpt-4o-mini",
      canary: { model: "gpt-4.1-mini", percent: 10 },
    });
    expect(soon.status).toBe(200);
    expect(soon.headers.get("x-edgegate-warning")).toContain("'gpt-4.1-mini'");
    at(AFTER_SHUTDOWN);
    const gone = await admin(`/tenants/${tenant.id}/aliases/prod`, "PUT", { model: "gpt-4.1" });
    expect(gone.status).toBe(404);
    const error = await errorOf(gone);
    expect(error.param).toBe("model");
    expect(error.message).toContain("2027-01-14");
  });
});

describe("realtime and voice", () => {
  const AFTER_REALTIME_SHUTDOWN = "2027-01-20T00:00:00Z";

  it("announces a Realtime session on a model shutting down soon in the upgrade's headers", async () => {
    at(EARLY_DECEMBER);
    const { key } = await createTenant();
    const res = await upgrade({ key, user: "u1", model: "gpt-realtime-2025-08-28" });
    expect(res.status).toBe(101);
    expect(res.headers.get("sunset")).toBe("Wed, 20 Jan 2027 00:00:00 GMT");
    expect(res.headers.get("x-edgegate-warning")).toContain("'gpt-realtime-2025-08-28'");
    res.webSocket?.accept();
    res.webSocket?.close(1000, "done");
    // A newer family that merely shares the name's prefix is not announced.
    const newer = await upgrade({ key, user: "u2", model: "gpt-realtime-2" });
    expect(newer.status).toBe(101);
    expect(newer.headers.get("x-edgegate-warning")).toBeNull();
    newer.webSocket?.accept();
    newer.webSocket?.close(1000, "done");
  });

  it("refuses a Realtime session, a client secret and a call on a shut-down model before calling the provider", async () => {
    at(AFTER_REALTIME_SHUTDOWN);
    const { key } = await createTenant();
    const socket = await upgrade({ key, user: "u1", model: "gpt-4o-realtime-preview-2024-12-17" });
    expect(socket.status).toBe(404);
    expect(await errorOf(socket)).toMatchObject({ code: "model_not_found", param: "model" });
    const secret = await gw(
      "/v1/realtime/client_secrets",
      jsonInit("POST", { session: { type: "realtime", model: "gpt-realtime" } }, auth(key)),
    );
    expect(secret.status).toBe(404);
    const error = await errorOf(secret);
    expect(error).toMatchObject({ code: "model_not_found", param: "session.model" });
    expect(error.message).toContain("shut down on 2027-01-20");
    expect(await sim.requests("POST /v1/realtime/client_secrets")).toBe(0);
    const form = new FormData();
    form.set("sdp", "v=0\r\n");
    form.set("session", JSON.stringify({ type: "realtime", model: "gpt-realtime-mini" }));
    const call = await gw("/v1/realtime/calls", { method: "POST", body: form, headers: auth(key) });
    expect(call.status).toBe(404);
    expect(await errorOf(call)).toMatchObject({ code: "model_not_found", param: "session.model" });
    // Its successor serves on.
    const next = await upgrade({ key, user: "u3", model: "gpt-realtime-2.1" });
    expect(next.status).toBe(101);
    next.webSocket?.accept();
    next.webSocket?.close(1000, "done");
  });
});
