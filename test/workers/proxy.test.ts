import { beforeEach, describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

describe("proxy through the official SDK", () => {
  it("relays a chat completion", async () => {
    const { key } = await createTenant();
    const completion = await sdk(key).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Name a colour of the sky" }],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(await sim.requests("POST /v1/chat/completions")).toBe(1);
  });

  it("streams a chat completion with the usage chunk, equal to the plain answer", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const messages = [{ role: "user" as const, content: "Tell me about streaming gateways" }];
    const plain = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let usage: unknown = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(usage).toMatchObject({ total_tokens: plain.usage?.total_tokens });
  });

  it("relays embeddings in float and base64 encodings", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const float = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["edge gateway"],
      encoding_format: "float",
    });
    const b64 = await client.embeddings.create({ model: "text-embedding-3-small", input: ["edge gateway"] });
    expect(float.data[0]?.embedding).toHaveLength(1536);
    expect(b64.data[0]?.embedding).toHaveLength(1536);
    expect(b64.data[0]?.embedding[7]).toBeCloseTo(float.data[0]?.embedding[7] ?? Number.NaN, 5);
  });

  it("relays responses, plain and streaming", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const response = await client.responses.create({ model: "gpt-4o-mini", input: "Say hi to the gateway" });
    expect(response.output_text).toBeTruthy();
    const stream = client.responses.stream({ model: "gpt-4o-mini", input: "Say hi to the gateway" });
    const types = new Set<string>();
    for await (const event of stream) types.add(event.type);
    const final = await stream.finalResponse();
    expect(types).toContain("response.output_text.delta");
    expect(types).toContain("response.completed");
    expect(final.output_text).toBe(response.output_text);
  });

  it("lists models, narrowed to the tenant's allowed models", async () => {
    const open = await createTenant();
    const all = await sdk(open.key).models.list();
    expect(all.data.length).toBeGreaterThan(3);
    const narrow = await createTenant({ allowed_models: ["gpt-4o-mini", "text-embedding-3-small"] });
    const some = await sdk(narrow.key).models.list();
    expect(some.data.map((m) => m.id).sort()).toEqual(["gpt-4o-mini", "text-embedding-3-small"]);
  });

  it("refuses a model the tenant does not allow with 403 naming the model", async () => {
    const { key } = await createTenant({ allowed_models: ["gpt-4o-mini"] });
    await expect(
      sdk(key).chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 403, code: "model_not_allowed", param: "model" });
    expect(await sim.requests("POST /v1/chat/completions")).toBe(0);
  });
});

describe("bad input", () => {
  const post = (key: string, body: BodyInit, headers: Record<string, string> = {}) =>
    gw("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body,
    });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const { key } = await createTenant();
    const res = await post(key, '{"model": "gpt-4o-mini", "messages": [');
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_json");
    expect(error.message).toMatch(/parse the JSON body/);
  });

  it("names the missing or invalid field", async () => {
    const { key } = await createTenant();
    const noMessages = await post(key, JSON.stringify({ model: "gpt-4o-mini" }));
    expect(noMessages.status).toBe(400);
    expect((await errorOf(noMessages)).param).toBe("messages");
    const badRole = await post(key, JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "robot" }] }));
    expect((await errorOf(badRole)).param).toBe("messages[0].role");
    const empty = await post(key, JSON.stringify({ model: "gpt-4o-mini", messages: [] }));
    expect((await errorOf(empty)).param).toBe("messages");
    expect(await sim.requests("POST /v1/chat/completions")).toBe(0);
  });

  it("refuses a body over the limit with 413, declared or chunked", async () => {
    const { key } = await createTenant();
    const big = JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x".repeat(1_100_000) }],
    });
    const declared = await post(key, big);
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).message).toContain("1048576 bytes");
    const bytes = new TextEncoder().encode(big);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(bytes.slice(i, i + 65_536));
        controller.close();
      },
    });
    const streamed = await post(key, chunked);
    expect(streamed.status).toBe(413);
    expect(await sim.requests("POST /v1/chat/completions")).toBe(0);
  });

  it("refuses a body sent as another media type with 415 saying to send JSON", async () => {
    const { key } = await createTenant();
    for (const path of ["/v1/chat/completions", "/v1/embeddings", "/v1/responses"]) {
      const res = await gw(path, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/x-www-form-urlencoded" },
        body: "model=gpt-4o-mini",
      });
      expect(res.status).toBe(415);
      const error = await errorOf(res);
      expect(error.code).toBe("unsupported_media_type");
      expect(error.message).toContain("Content-Type: application/json");
    }
    expect(await sim.requests("POST /v1/chat/completions")).toBe(0);
  });

  it("checks the media type as the other JSON routes do: parameters and +json accepted, none refused with a body", async () => {
    const { key } = await createTenant();
    const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "typed" }] });
    for (const type of ["application/json; charset=utf-8", "application/vnd.example+json"]) {
      const res = await post(key, body, { "content-type": type });
      expect(res.status, type).toBe(200);
    }
    const untyped = await gw("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: new TextEncoder().encode(body),
    });
    expect(untyped.status).toBe(415);
    expect((await errorOf(untyped)).code).toBe("unsupported_media_type");
    const empty = await gw("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).param).toBe("model");
    expect(await sim.requests("POST /v1/chat/completions")).toBe(2);
  });

  it("refuses a body that is not JSON with 400 naming the problem", async () => {
    const { key } = await createTenant();
    const res = await gw(
      "/v1/chat/completions",
      jsonInit("POST", [1, 2], { authorization: `Bearer ${key}` }),
    );
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/object/i);
  });
});
