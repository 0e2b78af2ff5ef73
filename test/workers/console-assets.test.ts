import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gw } from "./helpers/gateway";

/**
 * Workers assets answer before the Worker for paths that are files (wrangler.toml `[assets]`). The
 * pool's `exports.default` reaches the Worker directly, so the files are read through the `ASSETS`
 * binding, the same asset server and `_headers` rules.
 */
const assets = (env as unknown as { ASSETS: Fetcher }).ASSETS;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

describe("web console assets", () => {
  it("serves /console/ as HTML with the console's CSP and security headers", async () => {
    const res = await assets.fetch("https://gateway.test/console/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toBe(CSP);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await res.text()).toContain("<html");
  });

  it("does not serve the _headers file itself", async () => {
    expect((await assets.fetch("https://gateway.test/_headers")).status).toBe(404);
  });

  it("redirects / to /console/ with a 302", async () => {
    const res = await gw("/", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/console/");
  });
});
