import { env } from "cloudflare:workers";
import { APIError, RateLimitError } from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { callUpstream } from "../../src/upstream";
import { createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { scopedRequestId, sim } from "./helpers/sim";

const ROUTE = "POST /v1/chat/completions";
const BODY = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "retry me" }] };
/** The official SDK as an app uses it: its default of 2 retries. */
const appClient = (key: string) => sdk(key, { maxRetries: 2 });

beforeEach(() => sim.reset());

describe("upstream retry budget", () => {
  it("costs at most 3 provider calls for an SDK call against an always-failing 500, and the SDK does not retry", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, errorStatus: 500, count: 20 });
    const err = await appClient(key)
      .chat.completions.create(BODY)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(500);
    expect((err as APIError).headers?.get("x-should-retry")).toBe("false");
    // Before the budget the SDK retried the gateway's retries: 3 x 3 = 9 provider calls.
    expect(await sim.requests(ROUTE)).toBe(3);
  });

  it("answers a 429 whose retry-after is beyond the budget at once, passing retry-after on", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, errorStatus: 429, retryAfterSeconds: 30, count: 5 });
    const err = await appClient(key)
      .chat.completions.create(BODY)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const headers = (err as RateLimitError).headers;
    expect(headers?.get("retry-after")).toBe("30");
    expect(headers?.get("x-should-retry")).toBe("false");
    expect(await sim.requests(ROUTE)).toBe(1);
  });

  it("shares one deadline across retries: a second wait that would pass it is not waited out", async () => {
    await sim.fault({ route: ROUTE, errorStatus: 429, retryAfterSeconds: 1, count: 5 });
    const res = await callUpstream(
      { ...env, UPSTREAM_RETRY_BUDGET_MS: "1500" },
      {
        method: "POST",
        path: "/chat/completions",
        body: JSON.stringify(BODY),
        contentType: "application/json",
        requestId: scopedRequestId(),
      },
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.headers.get("x-should-retry")).toBe("false");
    // Each wait alone fits in 1.5 s; both together do not, so the second retry never happens.
    expect(await sim.requests(ROUTE)).toBe(2);
  });

  it("marks an unreachable provider's 502 as not worth an SDK retry once the gateway retried", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, refuseConnection: true, count: 10 });
    const res = await gw("/v1/chat/completions", jsonInit("POST", BODY, { authorization: `Bearer ${key}` }));
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_unreachable");
    expect(res.headers.get("x-should-retry")).toBe("false");
  });

  it("leaves an error it did not retry to the SDK's own policy", async () => {
    const { key } = await createTenant();
    const res = await gw(
      "/v1/chat/completions",
      jsonInit("POST", { ...BODY, model: "no-such-model" }, { authorization: `Bearer ${key}` }),
    );
    expect(res.status).toBe(404);
    expect(res.headers.get("x-should-retry")).toBeNull();
    expect(await sim.requests(ROUTE)).toBe(1);
  });
});
