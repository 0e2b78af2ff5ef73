/** `launchGateway({ https: true })` serves TLS with a certificate clients can trust (Realtime needs WSS). */
import { afterAll, beforeAll, expect, it } from "vitest";
import { bootstrapTenant, type Gateway, httpRequest, launchGateway } from "../../tools/launch";

let gateway: Gateway;

beforeAll(async () => {
  gateway = await launchGateway({ https: true, vars: { LOG_LEVEL: "error" } });
});

afterAll(() => gateway?.close());

it("proxies over HTTPS for clients that trust the returned certificate", async () => {
  expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "default", { ca: gateway.ca });
  const res = await httpRequest(`${gateway.url}/v1/models`, {
    headers: { authorization: `Bearer ${apiKey}` },
    ca: gateway.ca,
  });
  expect(res.status).toBe(200);
  const ids = (JSON.parse(res.body) as { data: { id: string }[] }).data.map((m) => m.id);
  expect(ids).toContain("gpt-4o-mini");
});

it("is really TLS: a client without the certificate refuses the connection", async () => {
  await expect(httpRequest(`${gateway.url}/healthz`)).rejects.toThrow(/self[- ]signed|certificate/i);
});
