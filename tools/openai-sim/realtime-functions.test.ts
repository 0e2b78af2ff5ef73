import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";
import { fillArguments } from "./realtime-answer";
import { RealtimeTestClient as Client } from "./realtime-test-client";
import type { SimServerEvent } from "./realtime-types";

const WEATHER_TOOL = {
  type: "function",
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    type: "object",
    properties: {
      city: { type: "string" },
      unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      days: { type: "integer" },
    },
    required: ["city"],
  },
} as const;

let sim: Simulator;
let client: Client;

beforeEach(async () => {
  sim = await startSimulator();
  client = await Client.connect(sim.origin);
  await client.next("session.created");
});

afterEach(async () => {
  client.ws.terminate();
  await sim.close();
});

function ask(text: string): void {
  client.send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
  });
  client.send({ type: "response.create" });
}

describe("realtime function calling", () => {
  it("calls a named tool, then uses its output after function_call_output + response.create", async () => {
    client.send({
      type: "session.update",
      session: { type: "realtime", output_modalities: ["text"], tools: [WEATHER_TOOL] },
    });
    await client.next("session.updated");
    ask("Please use get_weather for Paris in fahrenheit for 3 days");
    const events = await client.through("response.done");
    const added = events.find((e) => e.type === "response.output_item.added");
    expect(added && "item" in added && added.item).toMatchObject({
      type: "function_call",
      name: "get_weather",
      arguments: "",
    });
    const deltas = events.flatMap((e) =>
      e.type === "response.function_call_arguments.delta" ? [e.delta] : [],
    );
    expect(deltas.length).toBeGreaterThan(1);
    const argsDone = events.find((e) => e.type === "response.function_call_arguments.done");
    if (argsDone?.type !== "response.function_call_arguments.done") throw new Error("no arguments.done");
    expect(argsDone.call_id).toMatch(/^call_/);
    expect(argsDone.name).toBe("get_weather");
    expect(deltas.join("")).toBe(argsDone.arguments);
    expect(JSON.parse(argsDone.arguments)).toEqual({ city: "Paris", unit: "fahrenheit", days: 3 });
    const kinds = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(kinds.slice(-5)).toEqual([
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "conversation.item.done",
      "response.done",
    ]);
    const done = events.at(-1) as Extract<SimServerEvent, { type: "response.done" }>;
    expect(done.response.output[0]).toMatchObject({
      type: "function_call",
      call_id: argsDone.call_id,
      status: "completed",
    });

    client.send({
      type: "conversation.item.create",
      item: {
        type: "function_call_output",
        call_id: argsDone.call_id,
        output: JSON.stringify({ temperature: 72, conditions: "sunny" }),
      },
    });
    await client.next("conversation.item.done");
    client.send({ type: "response.create" });
    const answer = await client.next("response.output_text.done");
    expect(answer.text).toBe("The get_weather result is temperature 72, conditions sunny.");
  });

  it("calls no tool when none is named, and the forced one when tool_choice names it", async () => {
    client.send({
      type: "session.update",
      session: { type: "realtime", output_modalities: ["text"], tools: [WEATHER_TOOL] },
    });
    await client.next("session.updated");
    ask("How are you today?");
    const plain = await client.next("response.done");
    expect(plain.response.output[0]).toMatchObject({ type: "message" });
    client.send({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text: "Oslo" }] },
    });
    client.send({
      type: "response.create",
      response: { tool_choice: { type: "function", name: "get_weather" } },
    });
    const forced = await client.next("response.done");
    expect(forced.response.output[0]).toMatchObject({ type: "function_call", name: "get_weather" });
  });
});

describe("parallel function calls", () => {
  const TIME_TOOL = {
    type: "function",
    name: "get_time",
    description: "Local time in a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  } as const;

  it("makes one call per named tool in one response, and answers from all their outputs", async () => {
    client.send({
      type: "session.update",
      session: { type: "realtime", output_modalities: ["text"], tools: [WEATHER_TOOL, TIME_TOOL] },
    });
    await client.next("session.updated");
    ask("Please get_time and get_weather for Oslo");
    const events = await client.through("response.done");
    const argsDone = events.flatMap((e) => (e.type === "response.function_call_arguments.done" ? [e] : []));
    expect(argsDone.map((e) => [e.name, e.output_index])).toEqual([
      ["get_time", 0],
      ["get_weather", 1],
    ]);
    const done = events.at(-1) as Extract<SimServerEvent, { type: "response.done" }>;
    expect(done.response.output.map((item) => item.type === "function_call" && item.call_id)).toEqual(
      argsDone.map((e) => e.call_id),
    );
    expect(new Set(argsDone.map((e) => e.response_id))).toEqual(new Set([done.response.id]));

    for (const [index, call] of argsDone.entries()) {
      client.send({
        type: "conversation.item.create",
        item: { type: "function_call_output", call_id: call.call_id, output: JSON.stringify({ n: index }) },
      });
      await client.next("conversation.item.done");
    }
    client.send({ type: "response.create" });
    const answer = await client.next("response.output_text.done");
    expect(answer.text).toBe("The get_time result is n 0. The get_weather result is n 1.");
  });
});

describe("fillArguments", () => {
  it("fills strings from proper nouns, enums from the text and numbers from digits", () => {
    const args = fillArguments(WEATHER_TOOL, "what's the weather in Lisbon in celsius for 5 days?");
    expect(JSON.parse(args)).toEqual({ city: "Lisbon", unit: "celsius", days: 5 });
  });

  it("falls back to the property name and defaults when the text has nothing to offer", () => {
    expect(JSON.parse(fillArguments(WEATHER_TOOL, ""))).toEqual({ city: "city", unit: "celsius", days: 1 });
  });
});
