import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";

let sim: Simulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ baseURL: sim.url, apiKey: "sk-sim-edgegate", maxRetries: 0 });
});
afterAll(() => sim.close());

describe("POST /v1/realtime/client_secrets", () => {
  it("mints an ek_ key with the GA session and records it for the Realtime socket", async () => {
    const before = Math.floor(Date.now() / 1000);
    const secret = await client.realtime.clientSecrets.create({
      expires_after: { anchor: "created_at", seconds: 120 },
      session: {
        type: "realtime",
        model: "gpt-realtime-mini",
        instructions: "Be terse.",
        audio: { output: { voice: "marin" } },
      },
    });
    expect(secret.value).toMatch(/^ek_/);
    expect(secret.expires_at).toBeGreaterThanOrEqual(before + 120);
    expect(secret.expires_at).toBeLessThanOrEqual(before + 121);
    expect(secret.session).toMatchObject({
      object: "realtime.session",
      type: "realtime",
      model: "gpt-realtime-mini",
      instructions: "Be terse.",
    });
    expect(secret.session.id).toMatch(/^sess_/);
    const session = secret.session as { audio?: { output?: { voice?: string; speed?: number } } };
    expect(session.audio?.output).toMatchObject({ voice: "marin", speed: 1 });
    const stored = sim.state.ephemeralKeys.get(secret.value);
    expect(stored).toMatchObject({ value: secret.value, expiresAt: secret.expires_at });
    expect(stored?.session).toMatchObject({ model: "gpt-realtime-mini", instructions: "Be terse." });
  });

  it("defaults to gpt-realtime with a 600 s expiry", async () => {
    const secret = await client.realtime.clientSecrets.create({});
    expect(secret.session).toMatchObject({ type: "realtime", model: "gpt-realtime" });
    expect(secret.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
  });

  it.each([
    [{ expires_after: { anchor: "created_at", seconds: 5 } }, "expires_after.seconds"],
    [{ expires_after: { anchor: "created_at", seconds: 7201 } }, "expires_after.seconds"],
    [{ session: { type: "realtime", model: "gpt-4o" } }, "session.model"],
    [{ session: { type: "chat" } }, "session.type"],
  ])("rejects %j naming %s", async (body, param) => {
    const error = await client.realtime.clientSecrets.create(body as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
  });
});
