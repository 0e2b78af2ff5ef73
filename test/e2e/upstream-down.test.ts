/** A gateway whose upstream refuses connections answers 502 in OpenAI's error shape. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { bootstrapTenant, freePort, type Gateway, launchGateway } from "../../tools/launch";
import { apiError, gatewayClient } from "../helpers-node/openai-client";

let gateway: Gateway;

beforeAll(async () => {
  // A port that was just free and has nothing listening: connections to it are refused.
  const closedPort = await freePort();
  gateway = await launchGateway({
    upstream: { baseUrl: `http://127.0.0.1:${closedPort}/v1`, apiKey: "sk-unused" },
    vars: { LOG_LEVEL: "error", UPSTREAM_RETRY_BASE_MS: "10" },
  });
});

afterAll(() => gateway?.close());

it("answers 502 upstream_unreachable when the upstream refuses connections", async () => {
  expect(gateway.simulator).toBeUndefined();
  const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken);
  const client = gatewayClient(gateway.url, apiKey);
  const err = await apiError(
    client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  );
  expect(err.status).toBe(502);
  expect(err.type).toBe("server_error");
  expect(err.code).toBe("upstream_unreachable");
  expect(err.headers?.get("x-request-id")).toMatch(/\S+/);
});
