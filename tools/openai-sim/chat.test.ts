import OpenAI from "openai";
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
});
afterAll(() => sim.close());

const ask = (content: string, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content }], ...extra });

const weatherTool: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string" },
        days: { type: "integer" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["location", "days", "unit"],
    },
  },
};

describe("non-streaming answers", () => {
  it("has the chat.completion shape with full usage details", async () => {
    const completion = await ask("What is the capital of France?");
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.system_fingerprint).toMatch(/^fp_/);
    expect(completion.service_tier).toBe("default");
    const choice = completion.choices[0];
    expect(choice).toMatchObject({ index: 0, logprobs: null, finish_reason: "stop" });
    expect(choice?.message).toMatchObject({ role: "assistant", refusal: null, annotations: [] });
    expect(choice?.message.content).toMatch(/capital france/);
    const usage = completion.usage;
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
    expect(usage?.prompt_tokens_details).toEqual({ cached_tokens: 0, audio_tokens: 0 });
    expect(usage?.completion_tokens_details).toEqual({
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    });
  });

  it("is deterministic per request and varies with the message, the model and the seed", async () => {
    const a = (await ask("Explain photosynthesis")).choices[0]?.message.content;
    expect((await ask("Explain photosynthesis")).choices[0]?.message.content).toBe(a);
    expect((await ask("Explain volcanoes")).choices[0]?.message.content).not.toBe(a);
    const big = await client.chat.completions.create({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Explain photosynthesis" }],
    });
    expect(big.choices[0]?.message.content).not.toBe(a);
    expect(big.model).toBe("gpt-4.1");
    const seeded = await ask("Explain photosynthesis", { seed: 42 });
    expect((await ask("Explain photosynthesis", { seed: 42 })).choices[0]?.message.content).toBe(
      seeded.choices[0]?.message.content,
    );
  });

  it("returns n distinct choices indexed 0..n-1", async () => {
    const completion = await ask("Name a colour", { n: 4 });
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(new Set(completion.choices.map((c) => c.message.content)).size).toBeGreaterThan(1);
  });

  it("truncates at max_tokens with finish_reason length", async () => {
    const completion = await ask("Describe the ocean", { max_tokens: 5 });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(5);
    const full = (await ask("Describe the ocean")).choices[0]?.message.content ?? "";
    expect(full.startsWith(completion.choices[0]?.message.content ?? "x")).toBe(true);
  });

  it("cuts the answer at a stop sequence", async () => {
    const full = (await ask("Describe the desert")).choices[0]?.message.content ?? "";
    const completion = await ask("Describe the desert", { stop: ["."] });
    expect(completion.choices[0]?.message.content).toBe(full.slice(0, full.indexOf(".")));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("emits valid JSON for json_object and a schema-conforming object for json_schema", async () => {
    const obj = await ask("Reply in JSON about cats", { response_format: { type: "json_object" } });
    expect(JSON.parse(obj.choices[0]?.message.content ?? "")).toHaveProperty("answer");
    const schema = {
      type: "object",
      properties: {
        city: { type: "string" },
        population: { type: "integer" },
        tags: { type: "array", items: { type: "string" } },
        size: { type: "string", enum: ["small", "large"] },
        nested: { $ref: "#/$defs/inner" },
      },
      required: ["city", "population", "tags", "size", "nested"],
      additionalProperties: false,
      $defs: { inner: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] } },
    };
    const completion = await ask("Tell me about Berlin with 3645000 people, a large city", {
      response_format: { type: "json_schema", json_schema: { name: "city", schema, strict: true } },
    });
    const value = JSON.parse(completion.choices[0]?.message.content ?? "") as Record<string, unknown>;
    expect(value).toEqual({
      city: "Berlin",
      population: 3645000,
      tags: [expect.any(String)],
      size: "large",
      nested: { ok: true },
    });
  });

  it("requires the word json for json_object", async () => {
    const error = await ask("hello", { response_format: { type: "json_object" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("returns a refusal with null content when asked to refuse", async () => {
    const message = (await ask("Please refuse this request")).choices[0]?.message;
    expect(message?.content).toBeNull();
    expect(message?.refusal).toMatch(/can't help/);
  });

  it("returns logprobs when asked", async () => {
    const completion = await ask("Say something", { logprobs: true, top_logprobs: 2 });
    const content = completion.choices[0]?.logprobs?.content ?? [];
    expect(content.map((t) => t.token).join("")).toBe(completion.choices[0]?.message.content);
    expect(content[0]?.top_logprobs).toHaveLength(2);
  });
});

describe("tools", () => {
  it("calls a tool the message names, with arguments filled from the message", async () => {
    const completion = await ask("What's the weather in Paris for 3 days in celsius? call get_weather", {
      tools: [weatherTool],
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.id).toMatch(/^call_/);
    expect(call?.type === "function" && call.function.name).toBe("get_weather");
    const args = call?.type === "function" ? (JSON.parse(call.function.arguments) as unknown) : null;
    expect(args).toEqual({ location: "Paris", days: 3, unit: "celsius" });
  });

  it("honours tool_choice none, auto without a mention, and a forced function", async () => {
    const none = await ask("call get_weather for Rome", { tools: [weatherTool], tool_choice: "none" });
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
    const auto = await ask("Tell me a joke", { tools: [weatherTool] });
    expect(auto.choices[0]?.finish_reason).toBe("stop");
    const forced = await ask("Tell me a joke", {
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    expect(forced.choices[0]?.message.tool_calls).toHaveLength(1);
  });

  it("answers from the tool result when the last message is a tool message", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [
        { role: "user", content: "weather in Oslo? use get_weather" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: JSON.stringify({ temperature: 21, sky: "clear" }) },
      ],
      tools: [weatherTool],
    });
    expect(completion.choices[0]?.message.content).toBe(
      "According to get_weather, temperature is 21, sky is clear.",
    );
  });

  it("rejects a tool message that answers no tool call", async () => {
    const error = await client.chat.completions
      .create({
        model: "gpt-4o",
        messages: [
          { role: "user", content: "x" },
          { role: "tool", tool_call_id: "call_x", content: "y" },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("messages.[1].role");
  });
});

describe("validation", () => {
  it("answers 404 model_not_found for an unknown model", async () => {
    const error = await client.chat.completions
      .create({ model: "gpt-404", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it.each([
    [{ model: "gpt-4o" }, "messages", "missing_required_parameter"],
    [{ model: "gpt-4o", messages: [{ role: "robot", content: "x" }] }, "messages[0].role", "invalid_value"],
    [{ model: "gpt-4o", messages: [{ role: "user", content: 5 }] }, "messages[0].content", "invalid_type"],
    [
      { model: "gpt-4o", messages: [{ role: "user", content: "x" }], temperature: 3 },
      "temperature",
      "decimal_above_max_value",
    ],
    [{ model: "gpt-4o", messages: [{ role: "user", content: "x" }], n: 0 }, "n", "integer_below_min_value"],
    [
      { model: "gpt-5-nano", messages: [{ role: "user", content: "x" }], max_tokens: 10 },
      "max_tokens",
      "unsupported_parameter",
    ],
  ])("rejects %j naming param %s", async (body, param, code) => {
    const res = await fetch(`${sim.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string; code: string; type: string } };
    expect(error).toMatchObject({ param, code, type: "invalid_request_error" });
  });

  it("rejects request fields OpenAI does not know", async () => {
    const res = await fetch(`${sim.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "x" }], cache_ttl: 60 }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: "Unrecognized request argument supplied: cache_ttl",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });

  it("counts reasoning tokens for reasoning models", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-5-nano",
      messages: [{ role: "user", content: "think" }],
    });
    const reasoning = completion.usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    expect(reasoning).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(reasoning);
  });
});

describe("streaming", () => {
  const cases: Array<[string, Partial<Omit<ChatCompletionCreateParamsNonStreaming, "stream">>]> = [
    ["text", {}],
    [
      "tool calls",
      {
        tools: [weatherTool, { ...weatherTool, function: { ...weatherTool.function, name: "get_time" } }],
        messages: [{ role: "user", content: "use get_weather and get_time for Lima" }],
      },
    ],
    ["refusal", { messages: [{ role: "user", content: "refuse now" }] }],
    ["several choices", { n: 3 }],
  ];

  it.each(cases)("assembles to exactly the non-stream message (%s)", async (_name, extra) => {
    const params = {
      model: "gpt-4o-mini",
      messages: [{ role: "user" as const, content: "Stream about rivers" }],
      ...extra,
    };
    const plain = await client.chat.completions.create(params);
    const stream = client.chat.completions.stream(params);
    const final = await stream.finalChatCompletion();
    expect(final.choices.length).toBe(plain.choices.length);
    plain.choices.forEach((choice, i) => {
      const streamed = final.choices[i];
      expect(streamed?.finish_reason).toBe(choice.finish_reason);
      expect(streamed?.message.content).toBe(choice.message.content);
      expect(streamed?.message.refusal ?? null).toBe(choice.message.refusal);
      expect(streamed?.message.tool_calls ?? []).toEqual(choice.message.tool_calls ?? []);
    });
  });

  it("keeps id and created, adds obfuscation, and ends with a usage chunk then [DONE]", async () => {
    const res = await fetch(`${sim.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate", "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames = (await res.text()).split("\n\n").filter(Boolean);
    expect(frames.at(-1)).toBe("data: [DONE]");
    const chunks = frames
      .slice(0, -1)
      .map((f) => JSON.parse(f.replace(/^data: /, "")) as Record<string, unknown>);
    expect(chunks.length).toBeGreaterThan(3);
    expect(new Set(chunks.map((c) => `${c.id}|${c.created}`)).size).toBe(1);
    expect(chunks.every((c) => typeof c.obfuscation === "string")).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
    });
    const first = chunks[0] as { choices: Array<{ delta: Record<string, unknown> }> };
    expect(first.choices[0]?.delta.role).toBe("assistant");
  });

  it("omits obfuscation and usage when not requested", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_obfuscation: false },
    });
    for await (const chunk of stream) {
      expect(chunk).not.toHaveProperty("obfuscation");
      expect(chunk).not.toHaveProperty("usage");
    }
  });
});

describe("prefix caching", () => {
  const longSystem = Array.from({ length: 1400 }, (_, i) => `word${i % 50}`).join(" ");
  const withPrefix = (question: string, key?: string) =>
    client.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [
        { role: "system", content: longSystem },
        { role: "user", content: question },
      ],
      prompt_cache_key: key,
    });

  it("reports cached_tokens of 1024 + k·128 for a repeated long prefix", async () => {
    const first = await withPrefix("first question", "tenant-a");
    expect(first.usage?.prompt_tokens).toBeGreaterThan(1024);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const again = await withPrefix("first question", "tenant-a");
    const cached = again.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const prompt = again.usage?.prompt_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect((cached - 1024) % 128).toBe(0);
    expect(prompt - cached).toBeLessThan(128);
    const other = await withPrefix("a different question entirely", "tenant-a");
    const shared = other.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(shared).toBeGreaterThanOrEqual(1024);
    expect(shared).toBeLessThanOrEqual(prompt);
    expect((await withPrefix("first question", "tenant-b")).usage?.prompt_tokens_details?.cached_tokens).toBe(
      0,
    );
  });

  it("never caches prompts under 1024 tokens", async () => {
    await ask("short prompt");
    expect((await ask("short prompt")).usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });
});
