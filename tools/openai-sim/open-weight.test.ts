import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";
import { OPEN_WEIGHT_API_KEY, OPEN_WEIGHT_PREFIX } from "./open-weight";

let sim: Simulator;
let host: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  host = new OpenAI({
    baseURL: `${sim.origin}${OPEN_WEIGHT_PREFIX}`,
    apiKey: OPEN_WEIGHT_API_KEY,
    maxRetries: 0,
  });
});
afterAll(() => sim.close());

const line = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `Which shelf holds box ${i}?` },
      { role: "assistant", content: `Box ${i} is on shelf ${i * 3}.` },
    ],
  });

describe("the open-weight host persona", () => {
  it("serves its base models generically and refuses unknown models and other keys", async () => {
    const answer = await host.chat.completions.create({
      model: "llama-3.1-8b-instruct",
      messages: [{ role: "user", content: "Which shelf holds box 1?" }],
    });
    expect(answer.model).toBe("llama-3.1-8b-instruct");
    expect(answer.choices[0]?.message.content).not.toBe("Box 1 is on shelf 3.");
    await expect(host.chat.completions.create({ model: "gpt-4o", messages: [] })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    const stranger = new OpenAI({
      baseURL: `${sim.origin}${OPEN_WEIGHT_PREFIX}`,
      apiKey: "sk-sim-edgegate",
      maxRetries: 0,
    });
    await expect(stranger.models.list()).rejects.toMatchObject({ status: 401 });
  });

  it("loads a LoRA adapter whose student answers its training conversations, streamed or not", async () => {
    const loaded = await host.post("/load_lora_adapter", {
      body: {
        lora_name: "llama-3.1-8b-instruct:lora-shelves",
        base_model: "llama-3.1-8b-instruct",
        training_file: [1, 2, 3].map(line).join("\n"),
      },
    });
    expect(loaded).toMatchObject({ id: "llama-3.1-8b-instruct:lora-shelves" });
    const models = await host.models.list();
    expect(models.data.map((m) => m.id)).toContain("llama-3.1-8b-instruct:lora-shelves");
    const messages = [{ role: "user" as const, content: "Which shelf holds box 2?" }];
    const model = "llama-3.1-8b-instruct:lora-shelves";
    const answer = await host.chat.completions.create({ model, messages });
    expect(answer.choices[0]?.message.content).toBe("Box 2 is on shelf 6.");
    let streamed = "";
    for await (const chunk of await host.chat.completions.create({ model, messages, stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? "";
    }
    expect(streamed).toBe("Box 2 is on shelf 6.");
    const base = await host.chat.completions.create({
      model: "llama-3.1-8b-instruct",
      messages: [{ role: "user", content: "Which shelf holds box 9?" }],
    });
    const unseen = await host.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Which shelf holds box 9?" }],
    });
    expect(unseen.choices[0]?.message.content).toBe(base.choices[0]?.message.content);
  });
});
