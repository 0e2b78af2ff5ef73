import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
});
afterAll(() => sim.close());

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather for a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};

describe("POST /v1/responses", () => {
  it("returns a completed Response with one output_text message and usage", async () => {
    const response = await client.responses.create({
      model: "gpt-4.1",
      input: "Tell me about llamas",
      instructions: "Be brief",
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response).toMatchObject({
      object: "response",
      status: "completed",
      model: "gpt-4.1",
      instructions: "Be brief",
      error: null,
    });
    expect(response.output).toHaveLength(1);
    const [message] = response.output;
    expect(message).toMatchObject({ type: "message", status: "completed", role: "assistant" });
    expect(message?.type === "message" && message.id).toMatch(/^msg_/);
    expect(response.output_text).toMatch(/llamas/);
    const usage = response.usage;
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    expect(usage?.input_tokens_details.cached_tokens).toBe(0);
    expect(usage?.output_tokens_details.reasoning_tokens).toBe(0);
  });

  it("accepts message items and answers the same text as Chat Completions would for the same turn", async () => {
    const response = await client.responses.create({
      model: "gpt-4o-mini",
      input: [{ role: "user", content: [{ type: "input_text", text: "Explain tides" }] }],
    });
    const chat = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Explain tides" }],
    });
    expect(response.output_text).toBe(chat.choices[0]?.message.content);
  });

  it("marks the response incomplete at max_output_tokens", async () => {
    const response = await client.responses.create({
      model: "gpt-4o",
      input: "Describe mountains",
      max_output_tokens: 16,
    });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.usage?.output_tokens).toBe(16);
  });

  it("calls a function tool and continues from its output via previous_response_id", async () => {
    const first = await client.responses.create({
      model: "gpt-4.1",
      input: "Use get_weather for Lisbon",
      tools: [weather],
    });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
    if (call?.type !== "function_call") throw new Error("no function call");
    expect(JSON.parse(call.arguments)).toEqual({ city: "Lisbon" });
    const second = await client.responses.create({
      model: "gpt-4.1",
      previous_response_id: first.id,
      input: [
        {
          type: "function_call_output",
          call_id: call.call_id,
          output: JSON.stringify({ forecast: "sunny" }),
        },
      ],
      tools: [weather],
    });
    expect(second.output_text).toBe("According to get_weather, forecast is sunny.");
    expect(second.previous_response_id).toBe(first.id);
  });

  it("returns 404 for an unknown previous_response_id and retrieves and deletes stored responses", async () => {
    const error = await client.responses
      .create({ model: "gpt-4o", input: "x", previous_response_id: "resp_missing" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const created = await client.responses.create({ model: "gpt-4o", input: "remember me" });
    expect((await client.responses.retrieve(created.id)).output_text).toBe(created.output_text);
    await client.responses.delete(created.id);
    expect(await client.responses.retrieve(created.id).catch((e: unknown) => e)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    const unstored = await client.responses.create({ model: "gpt-4o", input: "forget me", store: false });
    expect(await client.responses.retrieve(unstored.id).catch((e: unknown) => e)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });

  it("emits JSON for text.format json_schema", async () => {
    const response = await client.responses.create({
      model: "gpt-4o-mini",
      input: "Tell me about Tokyo",
      text: {
        format: {
          type: "json_schema",
          name: "city",
          schema: {
            type: "object",
            properties: { name: { type: "string" } },
            required: ["name"],
            additionalProperties: false,
          },
          strict: true,
        },
      },
    });
    expect(JSON.parse(response.output_text)).toEqual({ name: "Tokyo" });
  });

  it("adds a reasoning item for reasoning models", async () => {
    const response = await client.responses.create({ model: "gpt-5-nano", input: "Why is the sky blue?" });
    expect(response.output.map((o) => o.type)).toEqual(["reasoning", "message"]);
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });
});

describe("streaming", () => {
  it("emits the event sequence with increasing sequence numbers", async () => {
    const stream = await client.responses.create({
      model: "gpt-4o",
      input: "Stream about forests",
      stream: true,
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.slice(-5)).toEqual([
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(types.filter((t) => t === "response.output_text.delta").length).toBeGreaterThan(2);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("");
    const done = events.find((e) => e.type === "response.output_text.done");
    expect(done?.type === "response.output_text.done" && done.text).toBe(deltas);
  });

  it("assembles with responses.stream() to the non-streamed answer, tool calls included", async () => {
    for (const params of [
      { model: "gpt-4.1-mini", input: "Stream about deserts" },
      { model: "gpt-4.1-mini", input: "use get_weather for Quito", tools: [weather] },
    ]) {
      const plain = await client.responses.create(params);
      const final = await client.responses.stream(params).finalResponse();
      expect(final.output_text).toBe(plain.output_text);
      expect(final.status).toBe("completed");
      expect(final.output.map((o) => (o.type === "function_call" ? [o.name, o.arguments] : o.type))).toEqual(
        plain.output.map((o) => (o.type === "function_call" ? [o.name, o.arguments] : o.type)),
      );
    }
  });
});

describe("background responses", () => {
  /** Polls until the response leaves `queued`/`in_progress` (each step is `backgroundStepMs`). */
  async function settle(id: string) {
    for (;;) {
      const response = await client.responses.retrieve(id);
      if (response.status !== "queued" && response.status !== "in_progress") return response;
    }
  }

  it("answers queued at once and completes later, like the same request in the foreground", async () => {
    const params = { model: "gpt-4.1-mini", input: "Background about glaciers" };
    const queued = await client.responses.create({ ...params, background: true });
    expect(queued).toMatchObject({ status: "queued", background: true, output: [], usage: null });
    const done = await settle(queued.id);
    expect(done.status).toBe("completed");
    expect(done.output_text).toBe((await client.responses.create(params)).output_text);
  });

  it("refuses background without store", async () => {
    const error = await client.responses
      .create({ model: "gpt-4.1-mini", input: "x", background: true, store: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("cancels a queued response, answers a finished one unchanged, refuses a foreground one", async () => {
    sim.state.config.backgroundStepMs = 60_000;
    try {
      const queued = await client.responses.create({
        model: "gpt-4.1-mini",
        input: "slow",
        background: true,
      });
      const cancelled = await client.responses.cancel(queued.id);
      expect(cancelled.status).toBe("cancelled");
      expect((await client.responses.cancel(queued.id)).status).toBe("cancelled");
      expect((await client.responses.retrieve(queued.id)).status).toBe("cancelled");
    } finally {
      sim.state.config.backgroundStepMs = 20;
    }
    const foreground = await client.responses.create({ model: "gpt-4.1-mini", input: "fast" });
    expect(await client.responses.cancel(foreground.id).catch((e: unknown) => e)).toBeInstanceOf(
      OpenAI.BadRequestError,
    );
  });

  it("streams a background response again from any sequence number", async () => {
    const stream = await client.responses.create({
      model: "gpt-4.1-mini",
      input: "Stream about rivers",
      background: true,
      stream: true,
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.slice(0, 3).map((e) => e.type)).toEqual([
      "response.created",
      "response.queued",
      "response.in_progress",
    ]);
    const first = events[0];
    const id = first?.type === "response.created" ? first.response.id : "";
    const resumed: ResponseStreamEvent[] = [];
    for await (const event of await client.responses.retrieve(id, { stream: true, starting_after: 4 }))
      resumed.push(event);
    expect(resumed).toEqual(events.slice(5));
  });
});

describe("GET /v1/responses/{id}/input_items", () => {
  it("lists the request's input items newest first, with ids and cursor pagination", async () => {
    const created = await client.responses.create({
      model: "gpt-4.1-mini",
      input: [
        { role: "user", content: "one" },
        { role: "assistant", content: "two" },
        { role: "user", content: [{ type: "input_text", text: "three" }] },
      ],
    });
    const page = await client.responses.inputItems.list(created.id, { limit: 2 });
    expect(page.data.map((i) => i.type === "message" && i.role)).toEqual(["user", "assistant"]);
    expect(page.has_more).toBe(true);
    const all = [];
    for await (const item of client.responses.inputItems.list(created.id, { order: "asc", limit: 1 }))
      all.push(item);
    expect(all.map((i) => (i.type === "message" ? i.content[0] : null))).toMatchObject([
      { type: "input_text", text: "one" },
      { type: "output_text", text: "two" },
      { type: "input_text", text: "three" },
    ]);
    expect(all.every((i) => typeof i.id === "string" && i.id.length > 0)).toBe(true);
  });
});
