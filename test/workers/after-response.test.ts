/**
 * Work a request owes after its answer (src/platform/after-response.ts) runs after the response has
 * been handed back, inside the request's `waitUntil`; a failure there is logged, not answered.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { afterResponse } from "../../src/platform/after-response";
import type { AppEnv } from "../../src/platform/env";
import { createTenant, GATEWAY, jsonInit } from "./helpers/gateway";
import { inSimScope } from "./helpers/sim";

afterEach(() => vi.restoreAllMocks());

function appWith(work: () => unknown) {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    afterResponse(c, "the test's work", work);
    return c.text("answered");
  });
  return app;
}

describe("afterResponse", () => {
  it("runs the work after the handler's response is returned, within waitUntil", async () => {
    const ran: string[] = [];
    const ctx = createExecutionContext();
    const res = await appWith(() => ran.push("work")).fetch(new Request("https://x.test/"), env, ctx);
    ran.push("answered");
    expect(await res.text()).toBe("answered");
    await waitOnExecutionContext(ctx);
    expect(ran).toEqual(["answered", "work"]);
  });

  it("logs a failure of the work as an error, naming it, and the request stays answered", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await appWith(() => {
      throw new Error("boom");
    }).fetch(new Request("https://x.test/"), { ...env, LOG_LEVEL: "error" }, ctx);
    expect(res.status).toBe(200);
    await waitOnExecutionContext(ctx);
    const lines = errors.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "the test's work failed after the response",
        error: "Error: boom",
      }),
    );
  });
});

describe("afterResponse, several pieces of one request", () => {
  it("runs each after the response, a failing one logged without stopping the others", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const ran: string[] = [];
    const app = new Hono<AppEnv>();
    app.get("/", (c) => {
      afterResponse(c, "first", () => ran.push("first"));
      afterResponse(c, "second", () => {
        throw new Error("second broke");
      });
      afterResponse(c, "third", async () => {
        await Promise.resolve();
        ran.push("third");
      });
      return c.text("answered");
    });
    const ctx = createExecutionContext();
    await app.fetch(new Request("https://x.test/"), { ...env, LOG_LEVEL: "error" }, ctx);
    ran.push("answered");
    await waitOnExecutionContext(ctx);
    expect(ran).toEqual(["answered", "first", "third"]);
    expect(errors.mock.calls.map(([line]) => JSON.parse(String(line)).message)).toEqual([
      "second failed after the response",
    ]);
  });
});

describe("afterResponse, pieces that take their time", () => {
  it("shares one timer among a request's pieces, and a slow piece does not hold up the others", async () => {
    const timers = vi.spyOn(globalThis, "setTimeout");
    const ran: string[] = [];
    const app = new Hono<AppEnv>();
    app.get("/", (c) => {
      afterResponse(c, "slow", async () => {
        await scheduler.wait(30);
        ran.push("slow");
      });
      afterResponse(c, "fast", () => ran.push("fast"));
      afterResponse(c, "also fast", () => ran.push("also fast"));
      return c.text("answered");
    });
    const ctx = createExecutionContext();
    await app.fetch(new Request("https://x.test/"), env, ctx);
    expect(timers).toHaveBeenCalledTimes(1);
    await waitOnExecutionContext(ctx);
    expect(ran).toEqual(["fast", "also fast", "slow"]);
  });
});

describe("a model call's access log", () => {
  it("is written after the answer is returned, with the answer's status", async () => {
    const { key } = await createTenant();
    const logs = vi.spyOn(console, "log").mockImplementation(() => {});
    const requestLines = () =>
      logs.mock.calls
        .map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)
        .filter((line) => line.message === "request");
    const ctx = createExecutionContext();
    const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "log me later" }] };
    const init = jsonInit("POST", body, { authorization: `Bearer ${key}` });
    const res = await worker.fetch(
      inSimScope(new Request(`${GATEWAY}/v1/chat/completions`, init)),
      { ...env, LOG_LEVEL: "info" },
      ctx,
    );
    expect(res.status).toBe(200);
    expect(requestLines()).toEqual([]);
    await waitOnExecutionContext(ctx);
    expect(requestLines()).toEqual([
      expect.objectContaining({ route: "/v1/chat/completions", status: 200, cache: "BYPASS" }),
    ]);
  });
});
