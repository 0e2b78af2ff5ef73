import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shareOf } from "../../src/ratelimit/tenant-share";
import { createTenant, errorOf, gw } from "./helpers/gateway";

const models = (key: string, user: string) =>
  gw("/v1/models", { headers: { authorization: `Bearer ${key}`, "x-user-id": user } });

/** Sends `count` requests at once, from as many end users, and returns the answers. */
const wave = (key: string, label: string, count: number) =>
  Promise.all(Array.from({ length: count }, (_, i) => models(key, `${label}-${i}`)));

describe("tenant-wide rate limit", () => {
  it("holds within the documented bound under concurrent requests from many users, and reaches it", async () => {
    const limit = 20;
    const tenant = await createTenant({ rate_limits: { requests_per_minute_per_tenant: limit } });
    const share = shareOf(tenant.id, limit);
    const started = Date.now();
    const answers: Response[] = [];
    for (const label of ["a", "b", "c"]) {
      answers.push(...(await wave(tenant.key, label, 30)));
      await share.settled();
    }
    // One at a time, each after the background lease it started: admitted until the tenant's budget is spent.
    for (let i = 0; i < 3 * limit; i++) {
      const res = await models(tenant.key, `d-${i}`);
      answers.push(res);
      await share.settled();
      if (res.status === 429) break;
    }
    const admitted = answers.filter((res) => res.status === 200).length;
    const refilled = Math.ceil(((Date.now() - started) * limit) / 60_000);
    expect(admitted).toBeGreaterThanOrEqual(limit);
    expect(admitted).toBeLessThanOrEqual(limit + share.credit + refilled);

    const refused = answers.at(-1);
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get("x-ratelimit-limit-requests")).toBe(String(limit));
    expect(refused?.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    const error = await errorOf(refused as Response);
    expect(error).toMatchObject({ type: "requests", code: "rate_limit_exceeded", param: null });
    expect(error.message).toContain(`Rate limit reached for this tenant: ${limit} requests per minute`);
  });

  it("decides in the isolate: no request calls an object, the tenant's object is leased from in the background", async () => {
    const tenant = await createTenant({ rate_limits: { requests_per_minute_per_tenant: 600 } });
    for (let i = 0; i < 40; i++) expect((await models(tenant.key, `u${i}`)).status).toBe(200);
    await shareOf(tenant.id, 600).settled();
    const budget = await env.TENANT_BUDGET.getByName(tenant.id).state();
    expect(budget?.leases).toBeGreaterThanOrEqual(1);
    expect(budget?.leases).toBeLessThanOrEqual(4);
    // No per-principal limit is set, so no principal object was drawn from either.
    expect(await env.RATE_LIMITER.getByName(`${tenant.id}:user:u0`).state()).toBeNull();
  });

  it("spends nothing of the tenant's budget on a request a user's limit refused", async () => {
    const tenant = await createTenant({
      rate_limits: { requests_per_minute_per_tenant: 10, requests_per_minute_per_user: 1 },
    });
    const share = shareOf(tenant.id, 10);
    for (let i = 0; i < 5; i++) {
      expect((await models(tenant.key, "same")).status).toBe(i === 0 ? 200 : 429);
      await share.settled();
    }
    const budget = await env.TENANT_BUDGET.getByName(tenant.id).state();
    // One request admitted; the rest of what the isolate was charged is its unused lease.
    expect(10 - Math.floor(budget?.tokens ?? 0)).toBeLessThanOrEqual(1 + share.credit);
  });
});
