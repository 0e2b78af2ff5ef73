import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { asTenant, bearer, createConsoleTenant } from "./helpers/console";
import { ADMIN_TOKEN, errorOf, GATEWAY, gw, jsonInit } from "./helpers/gateway";
import { connect } from "./helpers/realtime";

describe("ADMIN_TOKEN acting as a tenant on /v1 (X-Edgegate-Tenant)", () => {
  it("creates and lists the tenant's datasets, seen by the tenant's own key", async () => {
    const t = await createConsoleTenant();
    const created = await gw("/v1/datasets", jsonInit("POST", { name: "from-console" }, asTenant(t.id)));
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const mine = (await (await gw("/v1/datasets", { headers: bearer(t.key) })).json()) as {
      data: { id: string }[];
    };
    expect(mine.data.map((d) => d.id)).toContain(id);
    const other = await createConsoleTenant();
    const theirs = (await (await gw("/v1/datasets", { headers: asTenant(other.id) })).json()) as {
      data: { id: string }[];
    };
    expect(theirs.data.map((d) => d.id)).not.toContain(id);
  });

  it("answers 400 tenant_required naming the header when it is missing", async () => {
    const res = await gw("/v1/datasets", { headers: bearer(ADMIN_TOKEN) });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({
      type: "invalid_request_error",
      param: "X-Edgegate-Tenant",
      code: "tenant_required",
    });
  });

  it("answers 404 for an unknown tenant, saying where to find the ids", async () => {
    const res = await gw("/v1/datasets", { headers: asTenant("ten_does_not_exist") });
    expect(res.status).toBe(404);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: "tenant_not_found", param: "X-Edgegate-Tenant" });
    expect(error.message).toContain("'ten_does_not_exist'");
    expect(error.message).toContain("GET /admin/tenants");
  });

  it("does not let X-Edgegate-Tenant move an API key to another tenant", async () => {
    const a = await createConsoleTenant();
    const b = await createConsoleTenant();
    await gw("/v1/datasets", jsonInit("POST", { name: "b-only" }, asTenant(b.id)));
    await gw("/v1/datasets", jsonInit("POST", { name: "a-only" }, bearer(a.key)));
    const res = await gw("/v1/datasets", { headers: { ...bearer(a.key), "x-edgegate-tenant": b.id } });
    expect(res.status).toBe(200);
    const list = (await res.json()) as { data: { name: string }[] };
    expect(list.data.map((d) => d.name)).toEqual(["a-only"]);
  });

  it("mints an end-user token whose Realtime handshake is accepted", async () => {
    const t = await createConsoleTenant();
    const res = await gw("/v1/auth/user_tokens", jsonInit("POST", { user: "playground" }, asTenant(t.id)));
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    const client = await connect({ key: token, viaSubprotocol: true });
    expect(client.response.status).toBe(101);
    expect(client.response.headers.get("sec-websocket-protocol")).toBe("realtime");
    await client.next("session.created");
    client.close();
  });

  it("ends tokens minted in admin mode once ADMIN_TOKEN is removed or rotated", async () => {
    const t = await createConsoleTenant();
    const res = await gw("/v1/auth/user_tokens", jsonInit("POST", { user: "u1" }, asTenant(t.id)));
    const { token } = (await res.json()) as { token: string };
    expect((await gw("/v1/models", { headers: bearer(token) })).status).toBe(200);
    for (const adminToken of [undefined, "a-rotated-admin-token"]) {
      const ctx = createExecutionContext();
      const request = new Request(`${GATEWAY}/v1/models`, { headers: bearer(token) });
      const after = await worker.fetch(request, { ...env, ADMIN_TOKEN: adminToken }, ctx);
      await waitOnExecutionContext(ctx);
      expect(after.status, String(adminToken)).toBe(401);
      expect((await errorOf(after)).code).toBe("invalid_api_key");
    }
    // With the same ADMIN_TOKEN it still works.
    expect((await gw("/v1/models", { headers: bearer(token) })).status).toBe(200);
  });
});
