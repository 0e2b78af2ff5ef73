import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, apiError, createTenant, errorOf, gw, sdk } from "./helpers/gateway";

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

/** The bucket of one limited principal, read from its own object (names as in docs/rate-limits.md). */
const bucketOf = (name: string) => env.RATE_LIMITER.getByName(name).state();

/** Sends one request per end user named, one after another, and returns their statuses. */
async function inTurn(key: string, users: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const user of users) statuses.push((await models(key, user)).status);
  return statuses;
}

/** Sends `count` requests at once (the i-th as end user `userOf(i)`) and counts the answers by status. */
async function burst(key: string, count: number, userOf: (i: number) => string) {
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => models(key, userOf(i))));
  const statuses = answers.map((res) => res.status);
  return { ok: statuses.filter((s) => s === 200).length, limited: statuses.filter((s) => s === 429).length };
}

describe("rate limits without a tenant-wide object", () => {
  it("draws two users of one tenant from two objects and never from a tenant object", async () => {
    const tenant = await createTenant({
      rate_limits: { requests_per_minute_per_key: 100, requests_per_minute_per_user: 10 },
    });
    expect(await inTurn(tenant.key, ["u1", "u2", "u2"])).toEqual([200, 200, 200]);

    expect(await bucketOf(`${tenant.id}:user:u1`)).toMatchObject({ perMinute: 10, takes: 1 });
    expect(await bucketOf(`${tenant.id}:user:u2`)).toMatchObject({ perMinute: 10, takes: 2 });
    expect(await bucketOf(`${tenant.id}:key:${tenant.keyId}`)).toMatchObject({ perMinute: 100, takes: 3 });
    // The tenant's own name is not a bucket any request drew from.
    expect(await bucketOf(tenant.id)).toBeNull();
  });

  it("holds a per-user limit exactly under concurrent requests", async () => {
    const tenant = await createTenant({ rate_limits: { requests_per_minute_per_user: 5 } });
    expect(await burst(tenant.key, 20, () => "busy")).toEqual({ ok: 5, limited: 15 });
    expect((await models(tenant.key, "calm")).status).toBe(200);
  });

  it("holds a per-key limit exactly under concurrent requests from many users", async () => {
    const tenant = await createTenant({ rate_limits: { requests_per_minute_per_key: 7 } });
    expect(await burst(tenant.key, 20, (i) => `user-${i}`)).toEqual({ ok: 7, limited: 13 });
  });

  it("spends nothing from the key's budget on a request the user's limit refused", async () => {
    const tenant = await createTenant({
      rate_limits: { requests_per_minute_per_key: 3, requests_per_minute_per_user: 1 },
    });
    // u1's second request is refused by u1's limit, after the key's bucket gave it a token.
    expect(await inTurn(tenant.key, ["u1", "u1", "u2", "u3"])).toEqual([200, 429, 200, 200]);
    const byKey = await models(tenant.key, "u4");
    expect(byKey.status).toBe(429);
    expect((await errorOf(byKey)).message).toContain("this API key: 3 requests per minute");
  });

  it("answers OpenAI's 429 with retry-after and x-ratelimit headers through the SDK", async () => {
    const tenant = await createTenant({ rate_limits: { requests_per_minute_per_user: 1 } });
    const client = sdk(tenant.key, { headers: { "x-user-id": "sdk-user" } });
    await client.models.list();
    const err = await apiError(client.models.list());
    expect(err.status).toBe(429);
    expect(err.code).toBe("rate_limit_exceeded");
    expect(err.type).toBe("requests");
    expect(err.param).toBeNull();
    expect(err.message).toContain("Rate limit reached for this end user: 1 requests per minute");
    expect(Number(err.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(err.headers?.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(err.headers?.get("x-ratelimit-limit-requests")).toBe("1");
    expect(err.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
  });
});
