import { describe, expect, it } from "vitest";
import { createTenant, gw, jsonInit } from "./helpers/gateway";
import { putTool, sayText, startSession } from "./helpers/realtime";

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
      session: { type: "realtime", audio: { output: { voice: "alloy" } } },
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
});
