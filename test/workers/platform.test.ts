import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, errorOf, GATEWAY, gw } from "./helpers/gateway";

describe("platform", () => {
  it("answers /healthz with ok and the version", async () => {
    const res = await gw("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("runs on the runtime's own timers, not Node's Timeout objects (no_nodejs_global_timers)", () => {
    // Each upstream call and each request's after-response work sets a timer: Node's JavaScript
    // `Timeout` (what nodejs_compat turns on after 2026-02-10) costs several times the runtime's.
    const timer: unknown = setTimeout(() => {}, 60_000);
    clearTimeout(timer as number);
    expect(typeof timer).toBe("number");
  });

  it("gives every response a request id and keeps a sane incoming one", async () => {
    // Straight to the Worker: `gw` would send a request id of its own (the simulator scope's).
    const fresh = await exports.default.fetch(new Request(`${GATEWAY}/healthz`));
    expect(fresh.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    const kept = await gw("/healthz", { headers: { "x-request-id": "client-abc.123" } });
    expect(kept.headers.get("x-request-id")).toBe("client-abc.123");
    const replaced = await gw("/healthz", { headers: { "x-request-id": "bad id with spaces" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("answers unknown routes with an OpenAI-shaped 404 carrying the request id", async () => {
    const res = await gw("/nope", { headers: { "x-request-id": "r-404" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("r-404");
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "unknown_url", param: null });
    expect(error.message).toContain("GET /nope");
  });

  it("answers a JSON route sent another media type with 415 saying to send JSON, as the model calls do", async () => {
    const res = await gw("/admin/tenants", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "text/plain" },
      body: JSON.stringify({ name: "plain text" }),
    });
    expect(res.status).toBe(415);
    const error = await errorOf(res);
    expect(error.code).toBe("unsupported_media_type");
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toBe("Send the request body as JSON with 'Content-Type: application/json'.");
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const res = await gw("/healthz", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect((await errorOf(res)).code).toBe("method_not_allowed");
  });

  it("serves an OpenAPI 3.1 document generated from the routes", async () => {
    const res = await gw("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    for (const [path, method] of [
      ["/v1/chat/completions", "post"],
      ["/v1/embeddings", "post"],
      ["/v1/responses", "post"],
      ["/v1/models", "get"],
      ["/v1/auth/user_tokens", "post"],
      ["/admin/tenants", "post"],
      ["/admin/tenants/{id}", "patch"],
      ["/admin/tenants/{id}/keys", "post"],
      ["/admin/keys/{id}", "delete"],
      ["/healthz", "get"],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });

  it("serves a docs page listing the routes", async () => {
    const res = await gw("/docs");
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("/v1/chat/completions");
    expect(html).toContain("/admin/tenants/{id}/keys");
    // No script may run on it and no other site may frame it.
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
