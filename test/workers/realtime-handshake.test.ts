import { describe, expect, it } from "vitest";
import { createTenant, gw, jsonInit } from "./helpers/gateway";
import { connect, upgrade } from "./helpers/realtime";

interface ErrorBody {
  error: { code: string | null; message: string; param: string | null; type: string };
}

const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

async function userToken(key: string, user: string): Promise<string> {
  const res = await gw(
    "/v1/auth/user_tokens",
    jsonInit("POST", { user }, { authorization: `Bearer ${key}` }),
  );
  return ((await res.json()) as { token: string }).token;
}

describe("realtime handshake", () => {
  it("upgrades an API key with X-User-Id and relays session.created from the upstream", async () => {
    const tenant = await createTenant();
    const client = await connect({ key: tenant.key, user: "alice" });
    expect(client.response.status).toBe(101);
    const created = await client.next<{ type: string; session: { id: string; model: string } }>(
      "session.created",
    );
    expect(created.session.model).toBe("gpt-realtime");
    expect(created.session.id).toMatch(/^sess_/);
    client.close();
  });

  it("upgrades an API key without an end user as the user key:<key id>", async () => {
    const tenant = await createTenant();
    const client = await connect({ key: tenant.key });
    expect(client.response.status).toBe(101);
    await client.next("session.created");
    client.close();
  });

  it("refuses unknown credentials with 401 before upgrading", async () => {
    const res = await upgrade({ key: "egk_not-a-real-key", user: "u" });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    expect((await errorOf(res)).code).toBe("invalid_api_key");
  });

  it("accepts an end-user token in the subprotocol slot and answers with the realtime subprotocol", async () => {
    const tenant = await createTenant();
    const token = await userToken(tenant.key, "browser-user");
    const client = await connect({ key: token, viaSubprotocol: true });
    expect(client.response.headers.get("sec-websocket-protocol")).toBe("realtime");
    await client.next("session.created");
    client.close();
  });

  it("accepts an end-user token in Authorization", async () => {
    const tenant = await createTenant();
    const token = await userToken(tenant.key, "phone-user");
    const client = await connect({ key: token });
    expect(client.response.headers.get("sec-websocket-protocol")).toBeNull();
    await client.next("session.created");
    client.close();
  });

  it("refuses a model the tenant does not allow with 403 model_not_allowed", async () => {
    const tenant = await createTenant({ allowed_models: ["gpt-4o-mini"] });
    const res = await upgrade({ key: tenant.key, user: "u", model: "gpt-realtime" });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: "model_not_allowed", param: "model" });

    const narrowed = await createTenant({ realtime: { allowed_models: ["gpt-realtime-mini"] } });
    expect((await upgrade({ key: narrowed.key, user: "u", model: "gpt-realtime" })).status).toBe(403);
    const ok = await connect({ key: narrowed.key, user: "u", model: "gpt-realtime-mini" });
    await ok.next("session.created");
    ok.close();
  });

  it("refuses a missing model with 400 and a plain GET with 426", async () => {
    const tenant = await createTenant();
    const missing = await upgrade({ key: tenant.key, user: "u", query: "" });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).param).toBe("model");
    const plain = await gw("/v1/realtime?model=gpt-realtime", {
      headers: { authorization: `Bearer ${tenant.key}`, "x-user-id": "u" },
    });
    expect(plain.status).toBe(426);
    expect((await errorOf(plain)).code).toBe("upgrade_required");
  });

  it("runs the upgrade's checks on a plain GET, so a browser can ask why it was refused", async () => {
    const tenant = await createTenant({
      realtime: { allowed_models: ["gpt-realtime"], max_concurrent_sessions_per_user: 1 },
    });
    const ask = (model: string, user: string) =>
      gw(`/v1/realtime?model=${model}`, {
        headers: { authorization: `Bearer ${tenant.key}`, "x-user-id": user },
      });
    const notAllowed = await ask("gpt-realtime-mini", "u");
    expect(notAllowed.status).toBe(403);
    expect((await errorOf(notAllowed)).message).toContain("gpt-realtime-mini");
    const open = await connect({ key: tenant.key, user: "busy" });
    await open.next("session.created");
    const busy = await ask("gpt-realtime", "busy");
    expect(busy.status).toBe(429);
    expect((await errorOf(busy)).code).toBe("too_many_sessions");
    expect((await ask("gpt-realtime", "free")).status).toBe(426);
    open.close();
    await open.waitClosed();
  });

  it("refuses a user over the concurrent-session limit with 429 before upgrading", async () => {
    const tenant = await createTenant({ realtime: { max_concurrent_sessions_per_user: 1 } });
    const first = await connect({ key: tenant.key, user: "busy" });
    await first.next("session.created");
    const second = await upgrade({ key: tenant.key, user: "busy" });
    expect(second.status).toBe(429);
    expect((await errorOf(second)).code).toBe("too_many_sessions");
    const otherUser = await connect({ key: tenant.key, user: "idle" });
    await otherUser.next("session.created");
    first.close();
    await first.waitClosed();
    otherUser.close();
  });

  it("lists the realtime routes in the OpenAPI document", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/realtime",
        "/v1/realtime/calls",
        "/v1/realtime/client_secrets",
        "/admin/tenants/{id}/tools/{name}",
        "/admin/tenants/{id}/realtime/sessions",
        "/admin/tenants/{id}/realtime/sessions/{session_id}",
      ]),
    );
    expect(doc.paths["/v1/realtime"]?.get?.parameters?.map((p) => p.name)).toContain("intent");
    expect(Object.keys(doc.components.schemas.RealtimeSessionItem?.properties ?? {})).toEqual(
      expect.arrayContaining(["name", "arguments", "output", "error", "duration_ms", "server_tool"]),
    );
  });
});
