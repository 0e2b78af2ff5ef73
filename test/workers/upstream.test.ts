import { beforeEach, describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { sim, simFetch } from "./helpers/sim";

const ROUTE = "POST /v1/chat/completions";
const chat = (key: string) =>
  gw(
    "/v1/chat/completions",
    jsonInit(
      "POST",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "retry me" }] },
      { authorization: `Bearer ${key}` },
    ),
  );

beforeEach(() => sim.reset());

describe("upstream client", () => {
  it("retries an upstream 503 and answers with the retried success", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, errorStatus: 503, count: 1 });
    const res = await chat(key);
    expect(res.status).toBe(200);
    expect(await sim.requests(ROUTE)).toBe(2);
  });

  it("honours retry-after on 429 before retrying", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, errorStatus: 429, retryAfterSeconds: 1, count: 1 });
    const started = Date.now();
    const res = await chat(key);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await sim.requests(ROUTE)).toBe(2);
  });

  it("passes a persistent upstream error back faithfully after the retries", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, errorStatus: 503, count: 10 });
    const res = await chat(key);
    expect(res.status).toBe(503);
    const error = await errorOf(res);
    expect(error.type).toBe("server_error");
    expect(await sim.requests(ROUTE)).toBe(3);
  });

  it("does not retry client errors and relays them as they are", async () => {
    const { key } = await createTenant();
    const res = await gw(
      "/v1/chat/completions",
      jsonInit(
        "POST",
        { model: "no-such-model", messages: [{ role: "user", content: "hi" }] },
        { authorization: `Bearer ${key}` },
      ),
    );
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("model_not_found");
    expect(res.headers.get("x-upstream-request-id")).toMatch(/^req_/);
    expect(await sim.requests(ROUTE)).toBe(1);
  });

  it("answers 502 without the provider's message when the provider refuses the gateway's key", async () => {
    const { key } = await createTenant();
    const config = (apiKey: string) => sim.config({ apiKey });
    await config("sk-some-other-key");
    try {
      const res = await chat(key);
      expect(res.status).toBe(502);
      const error = await errorOf(res);
      expect(error.code).toBe("upstream_auth_failed");
      expect(error.message).toContain("gateway's own credentials");
      expect(error.message).not.toMatch(/sk-|Incorrect API key/);
      expect(await sim.requests(ROUTE)).toBe(1);
    } finally {
      await config("sk-sim-edgegate");
    }
  });

  it("relays the provider's 429 without the operator's organization id", async () => {
    const { key } = await createTenant();
    const direct = await simFetch("/__sim/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ route: "GET /v1/models", errorStatus: 429, count: 1 }),
    });
    expect(direct.ok).toBe(true);
    const raw = await simFetch("/v1/models", {
      headers: { authorization: "Bearer sk-sim-edgegate" },
    });
    expect((await errorOf(raw)).message).toContain(
      "in organization org-EdgegateSimulatorOrg0001 on requests per min",
    );
    await sim.fault({ route: ROUTE, errorStatus: 429, count: 3 });
    const res = await chat(key);
    expect(res.status).toBe(429);
    const error = await errorOf(res);
    expect(error).toEqual({
      message:
        "Rate limit reached in organization [redacted] on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
      type: "requests",
      param: null,
      code: "rate_limit_exceeded",
    });
    await sim.fault({ route: ROUTE, errorStatus: 429, count: 3 });
    await expect(
      sdk(key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toSatisfy((err: { status: number; message: string }) => {
      return err.status === 429 && !/org-/.test(err.message) && err.message.includes("[redacted]");
    });
  });

  it("answers 502 with a clear message when the upstream cannot be reached", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, refuseConnection: true, count: 10 });
    const res = await chat(key);
    expect(res.status).toBe(502);
    const error = await errorOf(res);
    expect(error.code).toBe("upstream_unreachable");
    expect(error.message).toMatch(/could not be reached/);
  });

  it("answers 504 when the upstream does not answer in time", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, latencyMs: 3_000, count: 1 });
    const res = await chat(key);
    expect(res.status).toBe(504);
    expect((await errorOf(res)).code).toBe("upstream_timeout");
  });

  it("ends a stream that the upstream cuts with an upstream_stream_cut error event, never a clean end", async () => {
    const { key } = await createTenant();
    await sim.fault({ route: ROUTE, cutStreamAfterEvents: 2, count: 1 });
    const res = await gw(
      "/v1/chat/completions",
      jsonInit(
        "POST",
        { model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "a long story please" }] },
        { authorization: `Bearer ${key}` },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text).not.toContain("[DONE]");
    const last = text.trim().split("\n\n").at(-1) ?? "";
    expect(JSON.parse(last.replace(/^data: /, ""))).toMatchObject({
      error: { type: "server_error", code: "upstream_stream_cut" },
    });
  });
});
