import { describe, expect, it } from "vitest";
import { admin, createTenant, errorOf, gw } from "./helpers/gateway";

const models = (key: string, user?: string) =>
  gw("/v1/models", { headers: { authorization: `Bearer ${key}`, ...(user ? { "x-user-id": user } : {}) } });

describe("rate limits", () => {
  it("limits requests per minute per API key with 429, retry-after and rate_limit_exceeded", async () => {
    const tenant = await createTenant({ rate_limits: { requests_per_minute_per_key: 2 } });
    expect((await models(tenant.key)).status).toBe(200);
    expect((await models(tenant.key)).status).toBe(200);
    const limited = await models(tenant.key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const error = await errorOf(limited);
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.message).toContain("2 requests per minute");

    const second = (await (await admin(`/tenants/${tenant.id}/keys`, "POST", { name: "second" })).json()) as {
      key: string;
    };
    expect((await models(second.key)).status).toBe(200);
  });

  it("limits each end user separately, across the tenant's keys", async () => {
    const tenant = await createTenant({ rate_limits: { requests_per_minute_per_user: 1 } });
    const other = (await (await admin(`/tenants/${tenant.id}/keys`, "POST", { name: "other" })).json()) as {
      key: string;
    };
    expect((await models(tenant.key, "u1")).status).toBe(200);
    expect((await models(other.key, "u1")).status).toBe(429);
    expect((await models(tenant.key, "u2")).status).toBe(200);
    expect((await models(tenant.key)).status).toBe(200);
  });

  it("keeps tenants' limits apart", async () => {
    const a = await createTenant({ rate_limits: { requests_per_minute_per_user: 1 } });
    const b = await createTenant({ rate_limits: { requests_per_minute_per_user: 1 } });
    expect((await models(a.key, "same-user")).status).toBe(200);
    expect((await models(b.key, "same-user")).status).toBe(200);
    expect((await models(a.key, "same-user")).status).toBe(429);
  });
});
