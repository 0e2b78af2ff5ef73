import { describe, expect, it } from "vitest";
import { adminAs, bearer, createConsoleTenant, createKey } from "./helpers/console";
import { ADMIN_TOKEN, admin, errorOf, gw } from "./helpers/gateway";

/** Admin routes of one tenant, one per admin sub-app (identity, cache, aliases, realtime). */
const tenantRoutes = (id: string) => [
  `/tenants/${id}`,
  `/tenants/${id}/keys`,
  `/tenants/${id}/stats`,
  `/tenants/${id}/traffic`,
  `/tenants/${id}/cache/events`,
  `/tenants/${id}/aliases`,
  `/tenants/${id}/tools`,
  `/tenants/${id}/realtime/sessions`,
];

describe("GET /admin/whoami", () => {
  it("names the admin for ADMIN_TOKEN", async () => {
    const res = await adminAs(ADMIN_TOKEN, "/whoami");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ object: "principal", kind: "admin" });
  });

  it("names the tenant and the key for a console key", async () => {
    const t = await createConsoleTenant();
    const res = await adminAs(t.consoleKey, "/whoami");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const tenant = (await (await admin(`/tenants/${t.id}`)).json()) as { name: string };
    expect(body).toEqual({
      object: "principal",
      kind: "tenant",
      tenant: { id: t.id, name: tenant.name },
      key: { id: t.consoleKeyId, name: "console", prefix: t.consoleKey.slice(0, 12) },
      operator_settings: expect.arrayContaining([
        "settings.rate_limits",
        "settings.allowed_models",
        "settings.vision.allow_private_image_hosts",
        "settings.distillation.fine_tuning.base_url",
      ]),
    });
  });

  it("refuses a key without console access with 403 console_access_required", async () => {
    const t = await createConsoleTenant();
    const res = await adminAs(t.key, "/whoami");
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error.code).toBe("console_access_required");
    expect(error.message).toContain('"console": true');
  });

  it("answers 401 without a credential, with a wrong one, and with a revoked console key", async () => {
    expect((await adminAs(null, "/whoami")).status).toBe(401);
    expect((await adminAs("not-the-admin-token", "/whoami")).status).toBe(401);
    expect((await adminAs("egk_unknown-key", "/whoami")).status).toBe(401);
    const t = await createConsoleTenant();
    await admin(`/keys/${t.consoleKeyId}`, "DELETE");
    expect((await adminAs(t.consoleKey, "/whoami")).status).toBe(401);
  });
});

describe("tenant-scoped admin routes", () => {
  it("accept a console key on its own tenant's routes", async () => {
    const a = await createConsoleTenant();
    for (const path of tenantRoutes(a.id)) {
      const res = await adminAs(a.consoleKey, path);
      expect([path, res.status]).toEqual([path, 200]);
    }
  });

  it("refuse a console key of tenant A on tenant B's routes with 403 tenant_mismatch", async () => {
    const a = await createConsoleTenant();
    const b = await createConsoleTenant();
    for (const path of tenantRoutes(b.id)) {
      const res = await adminAs(a.consoleKey, path);
      expect([path, res.status]).toEqual([path, 403]);
      expect((await errorOf(res)).code).toBe("tenant_mismatch");
    }
    const purge = await adminAs(a.consoleKey, `/tenants/${b.id}/cache`, "DELETE");
    expect(purge.status).toBe(403);
    const rename = await adminAs(a.consoleKey, `/tenants/${b.id}`, "PATCH", { name: "taken" });
    expect(rename.status).toBe(403);
    expect(((await (await admin(`/tenants/${b.id}`)).json()) as { name: string }).name).not.toBe("taken");
  });

  it("refuse a key without console access, even on its own tenant", async () => {
    const a = await createConsoleTenant();
    for (const path of tenantRoutes(a.id)) {
      const res = await adminAs(a.key, path);
      expect([path, res.status]).toEqual([path, 403]);
      expect((await errorOf(res)).code).toBe("console_access_required");
    }
  });

  it("keep tenant listing, tenant creation and DELETE /admin/keys/{id} for ADMIN_TOKEN", async () => {
    const a = await createConsoleTenant();
    const calls: [string, string, unknown?][] = [
      ["/tenants", "GET"],
      ["/tenants", "POST", { name: "mine" }],
      [`/keys/${a.keyId}`, "DELETE"],
    ];
    for (const [path, method, body] of calls) {
      const res = await adminAs(a.consoleKey, path, method, body);
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect((await errorOf(res)).code).toBe("admin_token_required");
    }
  });
});

describe("keys with console access", () => {
  it("are created with the console flag (default false) and listed with it", async () => {
    const t = await createConsoleTenant();
    const plain = await createKey(t.id, { name: "plain" });
    expect(plain.console).toBe(false);
    const res = await adminAs(t.consoleKey, `/tenants/${t.id}/keys`);
    const list = (await res.json()) as { data: { id: string; console: boolean; key?: string }[] };
    const flags = Object.fromEntries(list.data.map((k) => [k.id, k.console]));
    expect(flags).toEqual({ [t.keyId]: false, [t.consoleKeyId]: true, [plain.id]: false });
    expect(list.data.every((k) => k.key === undefined)).toBe(true);
  });

  it("refuse a non-boolean console flag with a 400 naming it", async () => {
    const t = await createConsoleTenant();
    const res = await adminAs(t.consoleKey, `/tenants/${t.id}/keys`, "POST", { name: "x", console: "yes" });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", param: "console" });
  });
});

describe("DELETE /admin/tenants/{id}/keys/{key_id}", () => {
  it("revokes a key of the tenant at once and returns it", async () => {
    const t = await createConsoleTenant();
    expect((await gw("/v1/datasets", { headers: bearer(t.key) })).status).toBe(200);
    const res = await adminAs(t.consoleKey, `/tenants/${t.id}/keys/${t.keyId}`, "DELETE");
    expect(res.status).toBe(200);
    const revoked = (await res.json()) as { id: string; object: string; revoked_at: number | null };
    expect(revoked).toMatchObject({ object: "api_key", id: t.keyId });
    expect(revoked.revoked_at).toBeTypeOf("number");
    const after = await gw("/v1/datasets", { headers: bearer(t.key) });
    expect(after.status).toBe(401);
  });

  it("answers 404 for a key of another tenant and leaves it working", async () => {
    const a = await createConsoleTenant();
    const b = await createConsoleTenant();
    const res = await adminAs(a.consoleKey, `/tenants/${a.id}/keys/${b.keyId}`, "DELETE");
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: "key_not_found", param: "key_id" });
    expect((await gw("/v1/datasets", { headers: bearer(b.key) })).status).toBe(200);
  });
});

describe("tenant settings through the console", () => {
  it("names the settings path of a validation error in param", async () => {
    const t = await createConsoleTenant();
    const res = await adminAs(t.consoleKey, `/tenants/${t.id}`, "PATCH", {
      settings: { cache: { ttl_seconds: -5 } },
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({
      type: "invalid_request_error",
      param: "settings.cache.ttl_seconds",
      code: "invalid_value",
    });
  });

  it("lets only ADMIN_TOKEN change where the gateway's FINE_TUNING_API_KEY is sent", async () => {
    const t = await createConsoleTenant();
    const patch = {
      settings: { distillation: { fine_tuning: { base_url: "https://attacker.example/v1" } } },
    };
    const res = await adminAs(t.consoleKey, `/tenants/${t.id}`, "PATCH", patch);
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({
      code: "admin_token_required",
      param: "settings.distillation.fine_tuning.base_url",
    });
    const other = await adminAs(t.consoleKey, `/tenants/${t.id}`, "PATCH", {
      settings: { cache: { ttl_seconds: 120 } },
    });
    expect(other.status).toBe(200);
    expect((await adminAs(ADMIN_TOKEN, `/tenants/${t.id}`, "PATCH", patch)).status).toBe(200);
  });

  it("lets only ADMIN_TOKEN register a server tool on a private or internal host", async () => {
    const t = await createConsoleTenant();
    const tool = (url: string) => ({ description: "d", parameters: { type: "object" }, url });
    for (const url of [
      "http://127.0.0.1:9/tool",
      "http://169.254.169.254/latest",
      "http://tools.internal/x",
    ]) {
      const refused = await adminAs(t.consoleKey, `/tenants/${t.id}/tools/inside`, "PUT", tool(url));
      expect(refused.status, url).toBe(403);
      expect(await errorOf(refused)).toMatchObject({ code: "admin_token_required", param: "url" });
    }
    const outside = await adminAs(
      t.consoleKey,
      `/tenants/${t.id}/tools/outside`,
      "PUT",
      tool("https://tools.example.test/x"),
    );
    expect(outside.status).toBe(201);
    const byAdmin = await adminAs(
      ADMIN_TOKEN,
      `/tenants/${t.id}/tools/inside`,
      "PUT",
      tool("http://127.0.0.1:9/tool"),
    );
    expect(byAdmin.status).toBe(201);
  });

  it("keeps limits, quotas, allow-lists and private image hosts for ADMIN_TOKEN", async () => {
    const t = await createConsoleTenant();
    const operatorOnly: [string, unknown][] = [
      ["rate_limits.requests_per_minute_per_key", 100_000],
      ["allowed_models", ["gpt-4o"]],
      ["realtime.allowed_models", ["gpt-realtime"]],
      ["realtime.max_session_seconds", 7_200],
      ["realtime.max_concurrent_sessions_per_user", 50],
      ["realtime.daily_audio_seconds_per_user", 86_400],
      ["realtime.daily_tokens_per_user", 10_000_000],
      ["realtime.reconnect_grace_seconds", 120],
      ["realtime.replay_buffer_bytes", 8 * 1024 * 1024],
      ["vision.allow_private_image_hosts", true],
      ["vision.request_budget", 1000],
    ];
    const patchOf = (path: string, value: unknown) => {
      const settings: Record<string, unknown> = {};
      const parts = path.split(".");
      let at = settings;
      for (const part of parts.slice(0, -1)) {
        const next: Record<string, unknown> = {};
        at[part] = next;
        at = next;
      }
      at[parts.at(-1) ?? ""] = value;
      return { settings };
    };
    for (const [path, value] of operatorOnly) {
      const refused = await adminAs(t.consoleKey, `/tenants/${t.id}`, "PATCH", patchOf(path, value));
      expect(refused.status, path).toBe(403);
      const error = await errorOf(refused);
      expect(error.code).toBe("admin_token_required");
      // The operator setting that was touched (all of `rate_limits` is the operator's).
      expect(error.param).toBe(path.startsWith("rate_limits") ? "settings.rate_limits" : `settings.${path}`);
    }
    const limits = patchOf("rate_limits.requests_per_minute_per_user", 30);
    expect((await adminAs(ADMIN_TOKEN, `/tenants/${t.id}`, "PATCH", limits)).status).toBe(200);
    // Sending an operator setting's current value unchanged, with a tenant setting, is fine.
    const same = { settings: { ...limits.settings, cache: { ttl_seconds: 90 } } };
    expect((await adminAs(t.consoleKey, `/tenants/${t.id}`, "PATCH", same)).status).toBe(200);
    const tenant = (await (await adminAs(ADMIN_TOKEN, `/tenants/${t.id}`)).json()) as {
      settings: { rate_limits?: unknown; vision?: unknown };
    };
    expect(tenant.settings.rate_limits).toEqual({ requests_per_minute_per_user: 30 });
    expect(tenant.settings.vision).toBeUndefined();
  });
});
