import { describe, expect, it } from "vitest";
import { admin, createTenant, gw, jsonInit } from "./helpers/gateway";
import { putTool, sayText, startSession, upgrade } from "./helpers/realtime";

interface Secret {
  value: string;
  expires_at: number;
  session: {
    model: string;
    instructions: string;
    audio: { output: { voice: string } };
    tools: { name: string }[];
  };
}

const mint = (key: string, body: unknown, user?: string) =>
  gw(
    "/v1/realtime/client_secrets",
    jsonInit("POST", body, { authorization: `Bearer ${key}`, ...(user ? { "x-user-id": user } : {}) }),
  );

describe("realtime client secrets", () => {
  it("mints an upstream ephemeral secret with the tenant's model, voice and instructions forced in, and no server tools", async () => {
    const tenant = await createTenant({
      allowed_models: ["gpt-realtime", "gpt-4o-mini"],
      realtime: { instructions: "Never give medical advice.", allowed_voices: ["cedar", "marin"] },
    });
    await putTool(tenant.id, "lookup_order", {
      description: "Looks up an order",
      url: "https://tools.example.test/x",
    });
    const res = await mint(tenant.key, {
      expires_after: { anchor: "created_at", seconds: 120 },
      session: {
        type: "realtime",
        model: "gpt-realtime",
        instructions: "Be brief.",
        tools: [{ type: "function", name: "show_map", description: "d", parameters: {} }],
      },
    });
    expect(res.status).toBe(200);
    const secret = (await res.json()) as Secret;
    expect(secret.value).toMatch(/^ek_/);
    expect(secret.expires_at - Date.now() / 1000).toBeGreaterThan(100);
    expect(secret.session.model).toBe("gpt-realtime");
    expect(secret.session.instructions).toBe("Never give medical advice.\n\nBe brief.");
    expect(secret.session.audio.output.voice).toBe("cedar");
    // Nobody would run a server tool in a WebRTC session the gateway does not relay.
    expect(secret.session.tools.map((t) => t.name)).toEqual(["show_map"]);
  });

  it("refuses a model or voice the tenant does not allow", async () => {
    const tenant = await createTenant({
      allowed_models: ["gpt-realtime"],
      realtime: { allowed_voices: ["marin"] },
    });
    const model = await mint(tenant.key, { session: { type: "realtime", model: "gpt-realtime-mini" } });
    expect(model.status).toBe(403);
    expect(((await model.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: "model_not_allowed",
      param: "session.model",
    });
    const voice = await mint(tenant.key, {
      session: { type: "realtime", model: "gpt-realtime", audio: { output: { voice: "alloy" } } },
    });
    expect(voice.status).toBe(403);
    expect(((await voice.json()) as { error: { code: string } }).error.code).toBe("voice_not_allowed");
  });

  it("refuses a user who used up a daily quota", async () => {
    const tenant = await createTenant({ realtime: { daily_tokens_per_user: 5 } });
    const { client } = await startSession({ key: tenant.key, user: "spent" });
    sayText(client, "hello");
    await client.next("response.done");
    await client.waitClosed();
    const res = await mint(tenant.key, { session: { type: "realtime" } }, "spent");
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("quota_exceeded");
    expect((await mint(tenant.key, { session: { type: "realtime" } }, "fresh")).status).toBe(200);
  });

  it("cuts expires_after to the tenant's client secret lifetime (600 s by default)", async () => {
    const byDefault = await createTenant();
    const long = await mint(byDefault.key, { expires_after: { anchor: "created_at", seconds: 7200 } }, "u");
    expect(long.status).toBe(200);
    const left = ((await long.json()) as Secret).expires_at - Date.now() / 1000;
    expect(left).toBeGreaterThan(590);
    expect(left).toBeLessThanOrEqual(601);
    const short = await createTenant({ realtime: { client_secret_ttl_seconds: 60 } });
    const capped = await mint(short.key, { expires_after: { anchor: "created_at", seconds: 3600 } }, "u");
    expect(((await capped.json()) as Secret).expires_at - Date.now() / 1000).toBeLessThanOrEqual(61);
    const none = await mint(short.key, { session: { type: "realtime" } }, "u");
    expect(((await none.json()) as Secret).expires_at - Date.now() / 1000).toBeLessThanOrEqual(61);
  });

  it("holds one of the user's session slots per unexpired secret and refuses the next with 429", async () => {
    const tenant = await createTenant({ realtime: { max_concurrent_sessions_per_user: 2 } });
    expect((await mint(tenant.key, {}, "busy")).status).toBe(200);
    expect((await mint(tenant.key, {}, "busy")).status).toBe(200);
    const third = await mint(tenant.key, {}, "busy");
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("too_many_sessions");
    // The secrets count against WebSocket sessions too.
    expect((await upgrade({ key: tenant.key, user: "busy" })).status).toBe(429);
    expect((await mint(tenant.key, {}, "other")).status).toBe(200);
  });

  it("counts a key without X-User-Id as the user 'key:<key id>' for quotas and slots", async () => {
    const tenant = await createTenant({
      realtime: { daily_tokens_per_user: 5, max_concurrent_sessions_per_user: 1 },
    });
    const { client } = await startSession({ key: tenant.key, user: `key:${tenant.keyId}` });
    sayText(client, "hello");
    await client.next("response.done");
    await client.waitClosed();
    const spent = await mint(tenant.key, { session: { type: "realtime" } });
    expect(spent.status).toBe(429);
    expect(((await spent.json()) as { error: { code: string } }).error.code).toBe("quota_exceeded");

    const other = await createTenant({ realtime: { max_concurrent_sessions_per_user: 1 } });
    expect((await mint(other.key, {})).status).toBe(200);
    expect((await mint(other.key, {})).status).toBe(429);
  });

  it("holds a transcription secret's model to the tenant's allowed_models", async () => {
    const tenant = await createTenant({ allowed_models: ["gpt-realtime", "gpt-4o-transcribe"] });
    const session = (model: string) => ({
      session: { type: "transcription", audio: { input: { transcription: { model } } } },
    });
    const refused = await mint(tenant.key, session("whisper-1"), "u");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: "model_not_allowed",
      param: "session.audio.input.transcription.model",
    });
    expect((await mint(tenant.key, session("gpt-4o-transcribe"), "u")).status).toBe(200);
  });

  it("refuses MCP tools unless the tenant lists their server", async () => {
    const mcp = (server_url: string) => ({
      session: { type: "realtime", tools: [{ type: "mcp", server_label: "docs", server_url }] },
    });
    const closed = await createTenant();
    const refused = await mint(closed.key, mcp("https://mcp.example.com/sse"), "u");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: "mcp_server_not_allowed",
      param: "session.tools[0]",
    });
    const open = await createTenant({ realtime: { mcp_servers: ["https://mcp.example.com/"] } });
    const allowed = await mint(open.key, mcp("https://mcp.example.com/sse"), "u");
    expect(allowed.status).toBe(200);
    const secret = (await allowed.json()) as { session: { tools: { server_url?: string }[] } };
    expect(secret.session.tools.map((t) => t.server_url)).toEqual(["https://mcp.example.com/sse"]);
    expect((await mint(open.key, mcp("https://evil.example/sse"), "u")).status).toBe(403);
  });

  it("refuses an mcp_servers entry that is not a URL prefix or a connector id", async () => {
    const res = await admin("/tenants", "POST", {
      name: `t-${crypto.randomUUID()}`,
      settings: { realtime: { mcp_servers: ["mcp.example.com"] } },
    });
    expect(res.status).toBe(400);
  });
});
