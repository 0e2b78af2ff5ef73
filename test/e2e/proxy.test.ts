/**
 * The gateway as users run it (workerd through wrangler, the simulator as upstream), driven with the
 * official OpenAI SDK.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bootstrapTenant, type Gateway, httpRequest, launchGateway } from "../../tools/launch";
import { apiError, gatewayClient } from "../helpers-node/openai-client";
import { addSimFault, resetSim, simRequestCounts } from "../helpers-node/sim-control";

const MAX_BODY_BYTES = 64 * 1024;
const MODEL = "gpt-4o-mini";
const messages = [{ role: "user" as const, content: "Say hello to the end-to-end tests." }];

let gateway: Gateway;
let client: OpenAI;
let simOrigin: string;

beforeAll(async () => {
  gateway = await launchGateway({
    vars: { LOG_LEVEL: "error", MAX_BODY_BYTES: String(MAX_BODY_BYTES), UPSTREAM_RETRY_BASE_MS: "10" },
  });
  simOrigin = gateway.simulator?.origin ?? "";
  const { apiKey } = await bootstrapTenant(gateway.url, gateway.adminToken, "e2e");
  client = gatewayClient(gateway.url, apiKey);
});

afterAll(() => gateway?.close());

beforeEach(() => resetSim(simOrigin));

describe("the launcher", () => {
  // `npm run bench -- proxy` with BENCH_VIA=direct measures the Worker at this address.
  it("learns the Worker's own address past wrangler's dev proxy, and the Worker answers there", async () => {
    expect(gateway.directUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.directUrl).not.toBe(gateway.url);
    const res = await fetch(`${gateway.directUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });
});

describe("chat completions", () => {
  it("answers through the SDK with usage and a request id", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]?.message.content).toMatch(/\w+/);
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-request-id")).toMatch(/\S+/);
  });

  it("streams deltas and ends with a usage chunk when include_usage is set", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(chunks.length).toBeGreaterThan(2);
    expect(text).toMatch(/\w+/);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
  });
});

describe("embeddings, responses and models", () => {
  it("embeds each input into a vector of the requested size", async () => {
    const res = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["first text", "second text"],
      dimensions: 64,
    });
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    for (const item of res.data) {
      expect(item.embedding).toHaveLength(64);
      expect(item.embedding.every(Number.isFinite)).toBe(true);
    }
  });

  it("answers a response, plain and streamed", async () => {
    const plain = await client.responses.create({ model: MODEL, input: "Describe the sea in a sentence." });
    expect(plain.status).toBe("completed");
    expect(plain.output_text).toMatch(/\w+/);

    const stream = await client.responses.create({ model: MODEL, input: "Describe a hill.", stream: true });
    let deltas = "";
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") deltas += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(deltas).toMatch(/\w+/);
    expect(completed?.status).toBe("completed");
    expect(outputText(completed)).toBe(deltas);
  });

  it("lists the upstream's models", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(MODEL);
    expect(ids).toContain("text-embedding-3-small");
  });
});

describe("refusals and upstream failures", () => {
  it("refuses a revoked key with 401 on the very next request", async () => {
    const key = await bootstrapTenant(gateway.url, gateway.adminToken, "e2e");
    const own = gatewayClient(gateway.url, key.apiKey);
    await own.models.list();
    const revoked = await httpRequest(`${gateway.url}/admin/keys/${key.keyId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${gateway.adminToken}` },
    });
    expect(revoked.status).toBe(200);
    const err = await apiError(own.models.list());
    expect(err.status).toBe(401);
  });

  it("refuses a body over MAX_BODY_BYTES with 413 without calling upstream", async () => {
    const huge = "x".repeat(MAX_BODY_BYTES + 1);
    const err = await apiError(
      client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: huge }] }),
    );
    expect(err.status).toBe(413);
    expect(err.code).toBe("request_too_large");
    expect(await simRequestCounts(simOrigin)).not.toHaveProperty(["POST /v1/chat/completions"]);
  });

  it("retries an upstream 503 and returns the second attempt's answer", async () => {
    await addSimFault(simOrigin, { route: "POST /v1/chat/completions", errorStatus: 503, count: 1 });
    const res = await client.chat.completions.create(
      { model: MODEL, messages },
      { headers: { "x-cache-mode": "off" } }, // the upstream must be asked, whatever the tenant's cache default
    );
    expect(res.choices[0]?.message.content).toMatch(/\w+/);
    expect((await simRequestCounts(simOrigin))["POST /v1/chat/completions"]).toBe(2);
  });
});

/** The text of a Responses API result (the SDK adds `output_text` only to non-streamed results). */
function outputText(response: OpenAI.Responses.Response | undefined): string | undefined {
  return response?.output
    .flatMap((item) => (item.type === "message" ? item.content : []))
    .map((part) => (part.type === "output_text" ? part.text : ""))
    .join("");
}
