import { describe, expect, it } from "vitest";
import { admin, createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("admin API", () => {
  it("refuses requests without the admin token", async () => {
    expect((await gw("/admin/tenants")).status).toBe(401);
    const wrong = await gw("/admin/tenants", { headers: bearer("not-the-token") });
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe("invalid_admin_token");
  });

  it("creates, reads, lists and patches tenants with merge semantics", async () => {
    const created = await admin("/tenants", "POST", {
      name: "acme",
      settings: { rate_limits: { requests_per_minute_per_key: 100 }, allowed_models: ["gpt-4o-mini"] },
    });
    expect(created.status).toBe(201);
    const tenant = (await created.json()) as { id: string; name: string };
    expect(tenant).toMatchObject({ object: "tenant", name: "acme", id: expect.stringMatching(/^ten_/) });

    const patched = await admin(`/tenants/${tenant.id}`, "PATCH", {
      settings: { rate_limits: { requests_per_minute_per_user: 5 }, allowed_models: null },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { settings: unknown }).settings).toEqual({
      rate_limits: { requests_per_minute_per_key: 100, requests_per_minute_per_user: 5 },
    });

    const got = (await (await admin(`/tenants/${tenant.id}`)).json()) as { name: string };
    expect(got.name).toBe("acme");
    const list = (await (await admin("/tenants")).json()) as { data: { id: string }[] };
    expect(list.data.map((t) => t.id)).toContain(tenant.id);
  });

  it("refuses invalid settings with a 400 that names the field", async () => {
    const badType = await admin("/tenants", "POST", {
      name: "x",
      settings: { rate_limits: { requests_per_minute_per_key: "ten" } },
    });
    expect(badType.status).toBe(400);
    const error = await errorOf(badType);
    expect(error.param).toBe("settings.rate_limits.requests_per_minute_per_key");
    expect(error.message).toContain("settings.rate_limits.requests_per_minute_per_key");

    const tenant = await createTenant();
    const unknownKey = await admin(`/tenants/${tenant.id}`, "PATCH", { settings: { rate_limit: {} } });
    expect(unknownKey.status).toBe(400);
    expect((await errorOf(unknownKey)).message).toContain("rate_limit");

    const missingName = await admin("/tenants", "POST", {});
    expect((await errorOf(missingName)).param).toBe("name");
  });

  it("answers 404 for unknown tenants and keys", async () => {
    expect((await admin("/tenants/ten_missing")).status).toBe(404);
    expect((await admin("/tenants/ten_missing/keys", "POST", { name: "k" })).status).toBe(404);
    expect((await admin("/keys/key_missing", "DELETE")).status).toBe(404);
  });

  it("shows a key once and lists it afterwards without its secret", async () => {
    const tenant = await createTenant();
    expect(tenant.key).toMatch(/^egk_[\w-]{40,}$/);
    const list = (await (await admin(`/tenants/${tenant.id}/keys`)).json()) as {
      data: Record<string, unknown>[];
    };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      id: tenant.keyId,
      prefix: tenant.key.slice(0, 12),
      revoked_at: null,
    });
    expect(JSON.stringify(list)).not.toContain(tenant.key);
  });
});

describe("API keys", () => {
  it("refuses missing, unknown and malformed credentials with 401", async () => {
    const missing = await gw("/v1/models");
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe("missing_api_key");
    const unknown = await gw("/v1/models", { headers: bearer("egk_unknownunknownunknownunknownunknown000") });
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe("invalid_api_key");
    const junk = await gw("/v1/models", { headers: bearer("not-a-key") });
    expect(junk.status).toBe(401);
  });

  it("refuses a revoked key on the very next request", async () => {
    const tenant = await createTenant();
    const client = sdk(tenant.key);
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    const revoked = await admin(`/keys/${tenant.keyId}`, "DELETE");
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revoked_at: number | null }).revoked_at).toBeTypeOf("number");
    await expect(client.models.list()).rejects.toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("accepts a key in the WebSocket subprotocol slot on a WebSocket handshake only", async () => {
    const tenant = await createTenant();
    const protocol = { "sec-websocket-protocol": `realtime, openai-insecure-api-key.${tenant.key}` };
    const handshake = await gw("/v1/models", { headers: { ...protocol, upgrade: "websocket" } });
    expect(handshake.status).toBe(200);
    await handshake.body?.cancel();
    // On plain HTTP the slot is not a credential (it would let a page smuggle a key past CORS rules).
    const plain = await gw("/v1/models", { headers: protocol });
    expect(plain.status).toBe(401);
    expect((await errorOf(plain)).code).toBe("missing_api_key");
  });
});

describe("end-user tokens", () => {
  async function mint(key: string, body: unknown): Promise<Response> {
    return gw("/v1/auth/user_tokens", jsonInit("POST", body, bearer(key)));
  }

  it("mints a token that authenticates as the end user", async () => {
    const tenant = await createTenant();
    const res = await mint(tenant.key, { user: "alice", ttl_seconds: 120 });
    expect(res.status).toBe(201);
    const { token, expires_at, user } = (await res.json()) as {
      token: string;
      expires_at: number;
      user: string;
    };
    expect(user).toBe("alice");
    expect(expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(100);
    const completion = await sdk(token).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello from a phone" }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });

  it("validates the request and names the field", async () => {
    const tenant = await createTenant();
    const res = await mint(tenant.key, { user: "bob", ttl_seconds: 10 });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("ttl_seconds");
    const noUser = await mint(tenant.key, {});
    expect((await errorOf(noUser)).param).toBe("user");
  });

  it("does not let a token mint further tokens", async () => {
    const tenant = await createTenant();
    const { token } = (await (await mint(tenant.key, { user: "carol" })).json()) as { token: string };
    const res = await mint(token, { user: "mallory" });
    expect(res.status).toBe(403);
  });

  it("refuses a tampered token and one whose key was revoked", async () => {
    const tenant = await createTenant();
    const { token } = (await (await mint(tenant.key, { user: "dave" })).json()) as { token: string };
    const tampered = `${token.slice(0, -3)}${token.endsWith("A") ? "B" : "A"}xx`;
    expect((await gw("/v1/models", { headers: bearer(tampered) })).status).toBe(401);
    expect((await gw("/v1/models", { headers: bearer(token) })).status).toBe(200);
    await admin(`/keys/${tenant.keyId}`, "DELETE");
    const afterRevoke = await gw("/v1/models", { headers: bearer(token) });
    expect(afterRevoke.status).toBe(401);
  });
});

describe("end-user token expiry", () => {
  it("answers an expired token with 401 token_expired", async () => {
    const { sign } = await import("hono/jwt");
    const { env } = await import("cloudflare:workers");
    const tenant = await createTenant();
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await sign(
      { sub: "erin", ten: tenant.id, kid: tenant.keyId, aud: "edgegate:user", iat: past, exp: past + 60 },
      env.TOKEN_SECRET ?? "",
      "HS256",
    );
    const res = await gw("/v1/models", { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("token_expired");
  });
});
