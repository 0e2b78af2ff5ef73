import { request } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
let client: OpenAI;
const KEY = "sk-sim-edgegate";

beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ baseURL: sim.url, apiKey: KEY, maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(async () => {
  await fetch(`${sim.origin}/__sim/reset`, { method: "POST" });
});

const chatBody = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there" }] };

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.origin}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function addFault(spec: Record<string, unknown>): Promise<void> {
  const res = await post("/__sim/faults", spec);
  expect(res.status).toBe(200);
}

describe("auth and errors", () => {
  it("rejects a wrong key with invalid_api_key and a redacted key", async () => {
    const bad = new OpenAI({ baseURL: sim.url, apiKey: "sk-wrong-key-123456", maxRetries: 0 });
    const error = await bad.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const auth = error as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(auth.code).toBe("invalid_api_key");
    expect(auth.message).toContain("Incorrect API key provided: sk-");
    expect(auth.message).not.toContain("sk-wrong-key-123456");
  });

  it("rejects a missing Authorization header with a 401 that has all four error keys", async () => {
    const res = await fetch(`${sim.url}/models`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  });

  it("accepts any key when apiKey is null", async () => {
    await post("/__sim/config", { apiKey: null });
    try {
      const other = new OpenAI({ baseURL: sim.url, apiKey: "anything", maxRetries: 0 });
      expect((await other.models.list()).data.length).toBeGreaterThan(10);
    } finally {
      await post("/__sim/config", { apiKey: KEY });
    }
  });

  it("answers unknown routes with an OpenAI-shaped 404", async () => {
    const res = await post("/v1/nope", {});
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: "Invalid URL (POST /v1/nope)",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });

  it("answers malformed JSON with a 400 instead of crashing", async () => {
    const res = await post("/v1/chat/completions", "{not json");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/^We could not parse the JSON body of your request/);
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });

  it("sends x-request-id, processing time and rate-limit headers", async () => {
    const res = await post("/v1/chat/completions", chatBody);
    expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(Number(res.headers.get("openai-processing-ms"))).toBeGreaterThan(0);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("10000");
    expect(res.headers.get("x-ratelimit-remaining-tokens")).toMatch(/^\d+$/);
    const models = await fetch(`${sim.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(models.headers.get("x-request-id")).toMatch(/^req_/);
    expect(models.headers.get("x-ratelimit-limit-requests")).toBeNull();
  });
});

describe("control API", () => {
  it("counts every /v1 request per method and path, failed ones included, and resets", async () => {
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    await client.chat.completions
      .create({ model: "nope", messages: [{ role: "user", content: "hi" }] })
      .catch(() => 0);
    await fetch(`${sim.url}/models?limit=3`);
    const stats = (await (await fetch(`${sim.origin}/__sim/stats`)).json()) as {
      requests: Record<string, number>;
    };
    expect(stats.requests).toEqual({ "POST /v1/chat/completions": 2, "GET /v1/models": 1 });
    await fetch(`${sim.origin}/__sim/reset`, { method: "POST" });
    const after = (await (await fetch(`${sim.origin}/__sim/stats`)).json()) as {
      requests: Record<string, number>;
    };
    expect(after.requests).toEqual({});
  });

  it("injects a 429 with retry-after that the SDK surfaces as RateLimitError", async () => {
    await addFault({ route: "POST /v1/chat/completions", errorStatus: 429, retryAfterSeconds: 7 });
    const res = await post("/v1/chat/completions", chatBody);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
    expect((await post("/v1/chat/completions", chatBody)).status).toBe(200);
  });

  it("lets the SDK retry through an injected 500", async () => {
    await addFault({ errorStatus: 500, count: 1 });
    const retrying = new OpenAI({ baseURL: sim.url, apiKey: KEY, maxRetries: 2 });
    const completion = await retrying.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "retry" }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(sim.state.requests.get("POST /v1/chat/completions")).toBe(2);
  });

  it("matches faults by route only", async () => {
    await addFault({ route: "POST /v1/embeddings", errorStatus: 503 });
    expect((await post("/v1/chat/completions", chatBody)).status).toBe(200);
    const res = await post("/v1/embeddings", { model: "text-embedding-3-small", input: "x" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("server_error");
  });

  it("delays the response start by latencyMs until reset", async () => {
    await addFault({ route: "POST /v1/chat/completions", latencyMs: 150 });
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      expect((await post("/v1/chat/completions", chatBody)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    }
    await fetch(`${sim.origin}/__sim/reset`, { method: "POST" });
    const started = Date.now();
    await post("/v1/chat/completions", chatBody);
    expect(Date.now() - started).toBeLessThan(140);
  });

  it("refuses the connection when asked to", async () => {
    await addFault({ refuseConnection: true });
    const error = await client.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });

  it("cuts an SSE stream after N data events without [DONE]", async () => {
    await addFault({ route: "POST /v1/chat/completions", cutStreamAfterEvents: 2 });
    const stream = await client.chat.completions.create({
      ...chatBody,
      messages: [{ role: "user", content: "tell me a long story" }],
      stream: true,
    } as const);
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((e: unknown) => e);
    expect(received).toHaveLength(2);
    expect(error).toBeInstanceOf(Error);
  });

  it("cuts a JSON answer after N bytes of the length its headers announced", async () => {
    await addFault({ route: "POST /v1/chat/completions", cutJsonAfterBytes: 10 });
    const res = await post("/v1/chat/completions", chatBody);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("content-length"))).toBeGreaterThan(10);
    await expect(res.text()).rejects.toThrow();
    expect((await post("/v1/chat/completions", chatBody)).status).toBe(200);
  });

  it("keeps a scope's faults, counters and config to the requests that name it", async () => {
    const scoped = { "x-sim-scope": "file-a" };
    const forwarded = { "x-request-id": "scope-file-a.req-1" };
    expect((await post("/__sim/faults", { route: "POST /v1/embeddings", errorStatus: 503 }, scoped)).ok).toBe(
      true,
    );
    expect((await post("/__sim/config", { apiKey: "sk-scope-only" }, scoped)).ok).toBe(true);
    const embeddings = { model: "text-embedding-3-small", input: "x" };
    // Unscoped and another scope's requests see neither the fault nor the key.
    expect((await post("/v1/embeddings", embeddings)).status).toBe(200);
    expect((await post("/v1/embeddings", embeddings, { "x-sim-scope": "file-b" })).status).toBe(200);
    // The scope's own: through a forwarded request id, the fault and then the scope's key.
    expect((await post("/v1/embeddings", embeddings, forwarded)).status).toBe(503);
    expect((await post("/v1/embeddings", embeddings, forwarded)).status).toBe(401);
    const stats = async (headers: Record<string, string>) =>
      ((await (await fetch(`${sim.origin}/__sim/stats`, { headers })).json()) as { requests: object })
        .requests;
    expect(await stats(scoped)).toEqual({ "POST /v1/embeddings": 2 });
    expect(await stats({ "x-sim-scope": "file-b" })).toEqual({ "POST /v1/embeddings": 1 });
    expect(await stats({})).toEqual({ "POST /v1/embeddings": 1 });
    // A scope's reset is its own; the unscoped reset clears every scope.
    await post("/__sim/reset", {}, { "x-sim-scope": "file-b" });
    expect(await stats(scoped)).toEqual({ "POST /v1/embeddings": 2 });
    await post("/__sim/reset", {});
    expect(await stats(scoped)).toEqual({});
    expect((await post("/v1/embeddings", embeddings, forwarded)).status).toBe(200);
  });

  it("counts a call with a key a scope added in that scope, whatever its request id", async () => {
    const scoped = { "x-sim-scope": "file-c" };
    expect((await post("/__sim/config", { extraApiKeys: ["sk-file-c-account"] }, scoped)).ok).toBe(true);
    const res = await fetch(`${sim.url}/models`, { headers: { authorization: "Bearer sk-file-c-account" } });
    expect(res.status).toBe(200);
    const stats = (await (await fetch(`${sim.origin}/__sim/stats`, { headers: scoped })).json()) as {
      requests_by_key: Record<string, number>;
    };
    expect(stats.requests_by_key).toEqual({ "GET /v1/models sk-file-c-account": 1 });
  });

  it("validates fault specs and config patches", async () => {
    expect((await post("/__sim/faults", { errorStatus: "oops" })).status).toBe(400);
    expect((await post("/__sim/config", { fineTuneStepMs: -1 })).status).toBe(400);
    const res = await post("/__sim/config", { streamChunkDelayMs: 0, fineTuneStepMs: 50 });
    expect(((await res.json()) as { fineTuneStepMs: number }).fineTuneStepMs).toBe(50);
    expect(sim.state.config.fineTuneStepMs).toBe(50);
  });
});

describe("models", () => {
  it("lists the realistic catalog and retrieves one model", async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    for (const id of [
      "gpt-4o",
      "gpt-4o-mini-2024-07-18",
      "gpt-4.1-nano-2025-04-14",
      "gpt-5-nano",
      "text-embedding-3-large",
      "gpt-realtime",
      "whisper-1",
    ]) {
      expect(ids).toContain(id);
    }
    expect(await client.models.retrieve("gpt-4.1")).toMatchObject({ id: "gpt-4.1", object: "model" });
    const error = await client.models.retrieve("gpt-99").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });
});

describe("close()", () => {
  it("closes idle keep-alive sockets promptly", async () => {
    const own = await startSimulator();
    const socketClosed = new Promise<void>((resolve) => {
      const req = request(
        `${own.url}/models`,
        { headers: { authorization: `Bearer ${KEY}`, connection: "keep-alive" } },
        (res) => {
          res.resume();
          res.on("end", () => req.socket?.once("close", () => resolve()));
        },
      );
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await own.close();
    await socketClosed;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
