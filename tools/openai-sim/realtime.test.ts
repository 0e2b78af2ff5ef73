import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";
import { RealtimeTestClient as Client } from "./realtime-test-client";

let sim: Simulator;
const clients: Client[] = [];

async function connect(options: Parameters<typeof Client.connect>[1] = {}): Promise<Client> {
  const client = await Client.connect(sim.origin, options);
  clients.push(client);
  return client;
}

beforeEach(async () => {
  sim = await startSimulator();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await sim.close();
});

describe("realtime handshake", () => {
  it("accepts a Bearer key and opens with a full GA session.created", async () => {
    const client = await connect({ query: "?model=gpt-realtime-mini" });
    const created = await client.next("session.created");
    expect(created.event_id).toMatch(/^event_/);
    const session = created.session;
    expect(session).toMatchObject({
      type: "realtime",
      object: "realtime.session",
      model: "gpt-realtime-mini",
      output_modalities: ["audio"],
      audio: {
        input: {
          format: { type: "audio/pcm", rate: 24000 },
          transcription: null,
          noise_reduction: null,
          turn_detection: {
            type: "server_vad",
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            create_response: true,
            interrupt_response: true,
            idle_timeout_ms: null,
          },
        },
        output: { format: { type: "audio/pcm", rate: 24000 }, voice: "alloy", speed: 1 },
      },
      tools: [],
      tool_choice: "auto",
      max_output_tokens: "inf",
      tracing: null,
      truncation: "auto",
      prompt: null,
      include: null,
    });
    expect(session.id).toMatch(/^sess_/);
    expect("instructions" in session && session.instructions.length).toBeGreaterThan(10);
    expect(session.expires_at).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 3590);
    expect(sim.state.requests.get("GET /v1/realtime")).toBe(1);
  });

  it("takes the key from the browser subprotocol and echoes 'realtime'", async () => {
    const client = await connect({
      key: null,
      protocols: ["realtime", "openai-insecure-api-key.sk-sim-edgegate"],
    });
    expect(client.ws.protocol).toBe("realtime");
    await client.next("session.created");
  });

  it("accepts an unexpired ek_ key and applies its session config", async () => {
    sim.state.ephemeralKeys.set("ek_test_valid", {
      value: "ek_test_valid",
      expiresAt: Math.floor(Date.now() / 1000) + 60,
      session: {
        type: "realtime",
        model: "gpt-realtime",
        instructions: "Speak like a pirate.",
        audio: { output: { voice: "marin" } },
      },
    });
    const client = await connect({ key: "ek_test_valid", query: "" });
    const { session } = await client.next("session.created");
    expect(session).toMatchObject({ model: "gpt-realtime", instructions: "Speak like a pirate." });
    expect(session).toMatchObject({ audio: { output: { voice: "marin", speed: 1 } } });
  });

  it("accepts a key minted by POST /v1/realtime/client_secrets", async () => {
    const res = await fetch(`${sim.url}/realtime/client_secrets`, {
      method: "POST",
      headers: { authorization: "Bearer sk-sim-edgegate", "content-type": "application/json" },
      body: JSON.stringify({
        session: { type: "realtime", model: "gpt-realtime", instructions: "Be brief." },
      }),
    });
    const secret = (await res.json()) as { value: string };
    const client = await connect({
      key: null,
      query: "?model=gpt-realtime",
      protocols: ["realtime", `openai-insecure-api-key.${secret.value}`],
    });
    const { session } = await client.next("session.created");
    expect(session).toMatchObject({ instructions: "Be brief." });
  });

  it("refuses bad, expired and missing keys with HTTP 401 and an OpenAI error body", async () => {
    const bad = await Client.reject(sim.origin, { key: "sk-wrong-key-123456" });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
    sim.state.ephemeralKeys.set("ek_old", {
      value: "ek_old",
      expiresAt: Math.floor(Date.now() / 1000) - 1,
      session: {},
    });
    expect((await Client.reject(sim.origin, { key: "ek_old" })).status).toBe(401);
    expect((await Client.reject(sim.origin, { key: null })).status).toBe(401);
  });

  it("rejects unknown models, a missing model and other paths before upgrading", async () => {
    const unknown = await Client.reject(sim.origin, { query: "?model=gpt-4o" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("model_not_found");
    const missing = await Client.reject(sim.origin, { query: "" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe("model");
    const transcription = await connect({ query: "?intent=transcription" });
    expect((await transcription.next("session.created")).session).toMatchObject({ type: "transcription" });
  });

  it("answers the retired beta header with beta_api_shape_disabled and closes", async () => {
    const client = await connect({ headers: { "OpenAI-Beta": "realtime=v1" } });
    const error = await client.next("error");
    expect(error.error).toMatchObject({ type: "invalid_request_error", code: "beta_api_shape_disabled" });
    expect((await client.closed).code).toBe(1000);
    expect(client.events).toHaveLength(1);
  });
});

describe("realtime session and client event errors", () => {
  it("merges session.update deeply and replies with the whole session", async () => {
    const client = await connect();
    await client.next("session.created");
    client.send({
      type: "session.update",
      session: {
        type: "realtime",
        instructions: "Answer in French.",
        audio: {
          input: { turn_detection: { type: "server_vad", silence_duration_ms: 800 } },
          output: { voice: "cedar" },
        },
      },
    });
    const { session } = await client.next("session.updated");
    expect(session).toMatchObject({
      instructions: "Answer in French.",
      output_modalities: ["audio"],
      audio: {
        input: {
          format: { type: "audio/pcm", rate: 24000 },
          turn_detection: { threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 800 },
        },
        output: { voice: "cedar", speed: 1 },
      },
    });
  });

  it("rejects session.update without session.type or with beta fields, keeping the session", async () => {
    const client = await connect();
    await client.next("session.created");
    client.sendUnchecked({
      type: "session.update",
      event_id: "evt_client_1",
      session: { instructions: "x" },
    });
    const missing = await client.next("error");
    expect(missing.error).toMatchObject({
      code: "missing_required_parameter",
      param: "session.type",
      event_id: "evt_client_1",
    });
    client.sendUnchecked({ type: "session.update", session: { type: "realtime", voice: "echo" } });
    expect((await client.next("error")).error).toMatchObject({
      code: "unknown_parameter",
      param: "session.voice",
    });
    client.send({ type: "session.update", session: { type: "realtime" } });
    const { session } = await client.next("session.updated");
    expect(session).toMatchObject({ audio: { output: { voice: "alloy" } } });
  });

  it("answers invalid JSON, binary frames and unknown types with errors and stays open", async () => {
    const client = await connect();
    await client.next("session.created");
    client.ws.send("{not json");
    expect((await client.next("error")).error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_json",
    });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await client.next("error")).error.code).toBe("invalid_json");
    client.sendUnchecked({ type: "response.explode", event_id: "evt_x" });
    expect((await client.next("error")).error).toMatchObject({
      code: "invalid_value",
      param: "type",
      event_id: "evt_x",
    });
    client.sendUnchecked({ type: "input_audio_buffer.append" });
    expect((await client.next("error")).error).toMatchObject({
      code: "missing_required_parameter",
      param: "audio",
    });
    client.send({ type: "input_audio_buffer.clear" });
    await client.next("input_audio_buffer.cleared");
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it("ends the session at the maximum duration with session_expired and close code 1000", async () => {
    sim.state.config.realtimeMaxSessionSeconds = 1;
    const client = await connect();
    const started = Date.now();
    const error = await client.next("error", 3000);
    expect(error.error).toMatchObject({
      type: "invalid_request_error",
      code: "session_expired",
      message: "Your session hit the maximum duration of 1 seconds.",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await client.closed).code).toBe(1000);
  });
});
