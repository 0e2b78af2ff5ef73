/**
 * Providers a tenant registers: CRUD, encrypted keys that never come back, and model calls named
 * `provider/model` reaching that provider with its own key. The simulator plays the second provider
 * under another host name (localhost) with a second account key (`extraApiKeys`).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ask, postChat } from "./helpers/chat";
import { adminAs, createConsoleTenant } from "./helpers/console";
import { auth, datasetWith } from "./helpers/finetune";
import { admin, createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

const PROVIDER_KEY = "sk-tenant-provider-7f3a9c1e5b2d4086";
const REFUSED_KEY = "sk-tenant-refused-0b9e8d7c6a5f4321";
const GATEWAY_KEY = "sk-sim-edgegate";
const providerUrl = () => `${sim.origin().replace("127.0.0.1", "localhost")}/v1`;

const setSimConfig = (config: Record<string, unknown>): Promise<void> => sim.config(config);

async function requestsByKey(): Promise<Record<string, number>> {
  return (await sim.stats()).requests_by_key;
}

function register(tenantId: string, body: Record<string, unknown>): Promise<Response> {
  return admin(`/tenants/${tenantId}/providers`, "POST", {
    base_url: providerUrl(),
    api_key: PROVIDER_KEY,
    capabilities: ["chat", "embeddings"],
    ...body,
  });
}

/** Every text the gateway answered or logged during a test, to grep for keys. */
const seen: string[] = [];
async function keep(res: Response): Promise<Response> {
  seen.push(await res.clone().text(), JSON.stringify([...res.headers]));
  return res;
}

beforeAll(() => setSimConfig({ extraApiKeys: [PROVIDER_KEY] }));
afterAll(() => setSimConfig({ extraApiKeys: [] }));
beforeEach(async () => {
  seen.length = 0;
  await sim.reset();
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      seen.push(args.map(String).join(" "));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  // Whatever a test did, no response, header or log line held a provider key.
  for (const text of seen) {
    expect(text).not.toContain(PROVIDER_KEY);
    expect(text).not.toContain(REFUSED_KEY);
  }
});

describe("provider registry", () => {
  it("creates, lists, reads, changes and deletes providers, showing only a hint of the key", async () => {
    const tenant = await createTenant();
    const created = await keep(await register(tenant.id, { name: "lab", models: ["llama-3.1-8b"] }));
    expect(created.status).toBe(201);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: "provider",
      name: "lab",
      base_url: providerUrl(),
      api_key_hint: "sk-…4086",
      models: ["llama-3.1-8b"],
      capabilities: ["chat", "embeddings"],
    });
    expect(body).not.toHaveProperty("api_key");

    const again = await keep(await register(tenant.id, { name: "lab" }));
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("provider_exists");

    const list = await keep(await admin(`/tenants/${tenant.id}/providers`));
    expect(((await list.json()) as { data: { name: string }[] }).data.map((p) => p.name)).toEqual(["lab"]);

    const patched = await keep(
      await admin(`/tenants/${tenant.id}/providers/lab`, "PATCH", {
        api_key: REFUSED_KEY,
        capabilities: ["chat"],
      }),
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ api_key_hint: "sk-…4321", capabilities: ["chat"] });
    const read = await keep(await admin(`/tenants/${tenant.id}/providers/lab`));
    expect(await read.json()).toMatchObject({ api_key_hint: "sk-…4321", models: ["llama-3.1-8b"] });

    const deleted = await keep(await admin(`/tenants/${tenant.id}/providers/lab`, "DELETE"));
    expect(await deleted.json()).toEqual({ object: "provider.deleted", name: "lab", deleted: true });
    expect((await keep(await admin(`/tenants/${tenant.id}/providers/lab`))).status).toBe(404);
  });

  it("refuses a base_url the outbound guard refuses, and a private host from a console key", async () => {
    const tenant = await createConsoleTenant();
    const metadata = await keep(
      await register(tenant.id, { name: "meta", base_url: "http://169.254.169.254/v1" }),
    );
    expect(metadata.status).toBe(400);
    expect((await errorOf(metadata)).param).toBe("base_url");
    const inside = await keep(
      await adminAs(tenant.consoleKey, `/tenants/${tenant.id}/providers`, "POST", {
        name: "inside",
        base_url: providerUrl(),
        api_key: PROVIDER_KEY,
        capabilities: ["chat"],
      }),
    );
    expect(inside.status).toBe(403);
    expect((await errorOf(inside)).code).toBe("admin_token_required");
  });

  it("refuses a console key a provider on an allowed private address written as a DNS name", async () => {
    // OUTBOUND_ALLOW_PRIVATE_HOSTS lets 127.0.0.1:9 through; private.edgegate.test resolves to 127.0.0.1.
    const tenant = await createConsoleTenant();
    const asConsole = (method: string, path: string, body: Record<string, unknown>) =>
      adminAs(tenant.consoleKey, `/tenants/${tenant.id}/providers${path}`, method, body);
    const provider = (name: string, base_url: string) => ({
      name,
      base_url,
      api_key: PROVIDER_KEY,
      capabilities: ["chat"],
    });
    for (const url of ["http://127.0.0.1:9/v1", "http://private.edgegate.test:9/v1"]) {
      const refused = await keep(await asConsole("POST", "", provider("inside", url)));
      expect(refused.status, url).toBe(403);
      expect(await errorOf(refused)).toMatchObject({ code: "admin_token_required", param: "base_url" });
    }
    // Moving a public provider there is refused alike.
    const outside = await keep(
      await asConsole("POST", "", provider("outside", "https://public.edgegate.test/v1")),
    );
    expect(outside.status).toBe(201);
    const moved = await keep(
      await asConsole("PATCH", "/outside", { base_url: "http://private.edgegate.test:9/v1" }),
    );
    expect(moved.status).toBe(403);
    expect((await errorOf(moved)).code).toBe("admin_token_required");
    // The operator may.
    const byAdmin = await keep(
      await register(tenant.id, provider("inside", "http://private.edgegate.test:9/v1")),
    );
    expect(byAdmin.status).toBe(201);
    const movedByAdmin = await keep(
      await admin(`/tenants/${tenant.id}/providers/outside`, "PATCH", { base_url: "http://127.0.0.1:9/v1" }),
    );
    expect(movedByAdmin.status).toBe(200);
  });

  it("refuses a bare model id another provider of the tenant already lists", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "one", models: ["shared-model"] })).status).toBe(201);
    const clash = await keep(await register(tenant.id, { name: "two", models: ["shared-model"] }));
    expect(clash.status).toBe(409);
    expect((await errorOf(clash)).code).toBe("model_conflict");
  });
});

describe("model calls through a tenant's provider", () => {
  it("sends chat and embeddings for provider/model to that provider with its own key", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "lab" })).status).toBe(201);
    const client = sdk(tenant.key);
    const chat = await client.chat.completions.create({
      model: "lab/gpt-4o-mini",
      messages: [{ role: "user", content: "hello from the lab" }],
    });
    expect(chat.choices[0]?.message.content).toBeTruthy();
    const embedding = await client.embeddings.create({
      model: "lab/text-embedding-3-small",
      input: "vectors",
    });
    expect(embedding.data[0]?.embedding.length).toBeGreaterThan(0);
    const keys = await requestsByKey();
    expect(keys[`POST /v1/chat/completions ${PROVIDER_KEY}`]).toBe(1);
    expect(keys[`POST /v1/embeddings ${PROVIDER_KEY}`]).toBe(1);
    expect(keys[`POST /v1/chat/completions ${GATEWAY_KEY}`]).toBeUndefined();
    expect(keys[`POST /v1/embeddings ${GATEWAY_KEY}`]).toBeUndefined();
  });

  it("routes a bare model id listed in the provider's models to it", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "lab", models: ["gpt-4.1-nano"] })).status).toBe(201);
    const res = await keep(await postChat(tenant.key, ask("bare id", { model: "gpt-4.1-nano" })));
    expect(res.status).toBe(200);
    expect((await requestsByKey())[`POST /v1/chat/completions ${PROVIDER_KEY}`]).toBe(1);
  });

  it("never sends the gateway's key to a provider: one whose key is refused fails as the provider's key", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "bad", api_key: REFUSED_KEY })).status).toBe(201);
    const res = await keep(await postChat(tenant.key, ask("hello", { model: "bad/gpt-4o-mini" })));
    expect(res.status).toBe(502);
    const error = await errorOf(res);
    expect(error.code).toBe("provider_auth_failed");
    expect(error.message).toContain("'bad'");
    expect(await sim.requests("POST /v1/chat/completions")).toBeGreaterThan(0);
    expect((await requestsByKey())[`POST /v1/chat/completions ${GATEWAY_KEY}`]).toBeUndefined();
  });

  it("refuses embeddings from a provider registered for chat only", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "chatty", capabilities: ["chat"] })).status).toBe(201);
    const res = await keep(
      await gw(
        "/v1/embeddings",
        jsonInit(
          "POST",
          { model: "chatty/text-embedding-3-small", input: "x" },
          { authorization: `Bearer ${tenant.key}` },
        ),
      ),
    );
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("capability_not_enabled");
  });

  it("caches provider answers under the provider's name, apart from the same model upstream", async () => {
    const tenant = await createTenant({ cache: { mode: "exact" } });
    expect((await register(tenant.id, { name: "lab" })).status).toBe(201);
    const first = await keep(await postChat(tenant.key, ask("cache me", { model: "lab/gpt-4o-mini" })));
    const second = await keep(await postChat(tenant.key, ask("cache me", { model: "lab/gpt-4o-mini" })));
    const upstream = await keep(await postChat(tenant.key, ask("cache me", { model: "gpt-4o-mini" })));
    expect([
      first.headers.get("x-cache"),
      second.headers.get("x-cache"),
      upstream.headers.get("x-cache"),
    ]).toEqual(["MISS", "HIT", "MISS"]);
    const keys = await requestsByKey();
    expect(keys[`POST /v1/chat/completions ${PROVIDER_KEY}`]).toBe(1);
    expect(keys[`POST /v1/chat/completions ${GATEWAY_KEY}`]).toBe(1);
  });

  it("lists the provider's models as provider/model in /v1/models", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "lab", models: ["custom-student"] })).status).toBe(201);
    const ids = [];
    for await (const model of sdk(tenant.key).models.list()) ids.push(model.id);
    expect(ids).toContain("lab/gpt-4o-mini");
    expect(ids).toContain("lab/custom-student");
    expect(ids).toContain("gpt-4o-mini");
  });

  it("retrieves a provider's model as provider/model, through the SDK (slash encoded) and a plain path", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "lab", models: ["custom-student"] })).status).toBe(201);
    const viaSdk = await sdk(tenant.key).models.retrieve("lab/gpt-4o-mini");
    expect(viaSdk).toMatchObject({ id: "lab/gpt-4o-mini", object: "model", owned_by: "lab" });
    const plain = await gw("/v1/models/lab/custom-student", { headers: auth(tenant.key) });
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ id: "lab/custom-student", object: "model" });
    const missing = await gw("/v1/models/lab/no-such-model", { headers: auth(tenant.key) });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("model_not_found");
    // Another tenant names the same provider and finds nothing (its request goes upstream, unknown there).
    const other = await createTenant();
    const before = (await requestsByKey())[`GET /v1/models ${PROVIDER_KEY}`];
    const peek = await keep(await gw("/v1/models/lab%2Fgpt-4o-mini", { headers: auth(other.key) }));
    expect(peek.status).toBe(404);
    expect((await requestsByKey())[`GET /v1/models ${PROVIDER_KEY}`]).toBe(before);
  });

  it("keeps one tenant's providers out of another tenant's reach and sight", async () => {
    const owner = await createTenant();
    expect((await register(owner.id, { name: "lab" })).status).toBe(201);
    const other = await createConsoleTenant();
    const used = await keep(await postChat(other.key, ask("hello", { model: "lab/gpt-4o-mini" })));
    expect(used.status).toBe(404);
    expect((await errorOf(used)).code).toBe("model_not_found");
    const ids = [];
    for await (const model of sdk(other.key).models.list()) ids.push(model.id);
    expect(ids.some((id) => id.startsWith("lab/"))).toBe(false);
    const peek = await keep(await adminAs(other.consoleKey, `/tenants/${owner.id}/providers`));
    expect(peek.status).toBe(403);
    expect((await requestsByKey())[`POST /v1/chat/completions ${PROVIDER_KEY}`]).toBeUndefined();
  });

  it("applies allowed_models to provider/model names", async () => {
    const tenant = await createTenant({ allowed_models: ["lab/gpt-4o-mini"] });
    expect((await register(tenant.id, { name: "lab", models: ["gpt-4.1-nano"] })).status).toBe(201);
    expect((await keep(await postChat(tenant.key, ask("ok", { model: "lab/gpt-4o-mini" })))).status).toBe(
      200,
    );
    const bare = await keep(await postChat(tenant.key, ask("no", { model: "gpt-4.1-nano" })));
    expect(bare.status).toBe(403);
    expect((await errorOf(bare)).message).toContain("lab/gpt-4.1-nano");
    const upstream = await keep(await postChat(tenant.key, ask("no", { model: "gpt-4o-mini" })));
    expect(upstream.status).toBe(403);
    const ids = [];
    for await (const model of sdk(tenant.key).models.list()) ids.push(model.id);
    expect(ids).toEqual(["lab/gpt-4o-mini"]);
  });

  it("evaluates a provider's model and judges with one, each called with the provider's key", async () => {
    const tenant = await createTenant();
    expect((await register(tenant.id, { name: "lab" })).status).toBe(201);
    const datasetId = await datasetWith(tenant.key, 10, 0.5);
    const started = await gw(
      `/v1/datasets/${datasetId}/evals`,
      jsonInit(
        "POST",
        {
          models: ["lab/gpt-4o-mini", "gpt-4o-mini"],
          grader: { type: "llm_judge", model: "lab/gpt-4o", rubric: "Correct." },
        },
        auth(tenant.key),
      ),
    );
    expect(started.status).toBe(200);
    const { id } = (await started.json()) as { id: string };
    let run = { status: "queued", summary: [] as { model: string }[] };
    for (let polls = 0; run.status !== "completed" && run.status !== "failed" && polls < 400; polls++) {
      await new Promise((r) => setTimeout(r, 25));
      run = (await (await gw(`/v1/evals/${id}`, { headers: auth(tenant.key) })).json()) as typeof run;
    }
    expect(run.status).toBe("completed");
    expect(run.summary.map((s) => s.model)).toEqual(["lab/gpt-4o-mini", "gpt-4o-mini"]);
    const keys = await requestsByKey();
    // Each validation example: one answer from the provider's model and one judge call on the provider.
    const items = (await sim.requests("POST /v1/chat/completions")) / 3;
    expect(items).toBeGreaterThan(0);
    expect(keys[`POST /v1/chat/completions ${PROVIDER_KEY}`]).toBe(2 * items);
    expect(keys[`POST /v1/chat/completions ${GATEWAY_KEY}`]).toBe(items);
  });
});
