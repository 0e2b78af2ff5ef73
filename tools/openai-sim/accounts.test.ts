/** A second account on the simulator (`extraApiKeys`), per-key request counts, and announced shutdown dates. */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
const SECOND = "sk-second-account-000111";

beforeAll(async () => {
  sim = await startSimulator({ config: { extraApiKeys: [SECOND] } });
});
afterAll(() => sim.close());

describe("accounts and model retirements", () => {
  it("accepts the extra keys, counts requests by key, and still refuses unknown keys", async () => {
    const second = new OpenAI({ baseURL: sim.url, apiKey: SECOND, maxRetries: 0 });
    await second.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    const stranger = new OpenAI({ baseURL: sim.url, apiKey: "sk-stranger-999999", maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const stats = (await (await fetch(`${sim.origin}/__sim/stats`)).json()) as {
      requests_by_key: Record<string, number>;
    };
    expect(stats.requests_by_key).toEqual({ [`POST /v1/chat/completions ${SECOND}`]: 1 });
  });

  it("announces shutdown_date on the models OpenAI retires, and only on them", async () => {
    const client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
    const models = new Map<string, unknown>();
    for await (const m of client.models.list())
      models.set(m.id, (m as { shutdown_date?: unknown }).shutdown_date);
    expect(models.get("gpt-4o-mini-2024-07-18")).toBe("2027-01-14");
    expect(models.get("o4-mini")).toBe("2026-10-23");
    expect(models.get("gpt-4o-mini")).toBeUndefined();
  });
});
