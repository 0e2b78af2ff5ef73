import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index";
import { closeRealtimeConnections, openRealtimeConnections } from "./realtime";
import { RealtimeTestClient as Client } from "./realtime-test-client";
import { addFault } from "./state";

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

describe("realtime limits and shutdown", () => {
  it("accepts a 15 MiB append in one frame and rejects anything larger, staying open", async () => {
    const client = await connect();
    await client.next("session.created");
    client.send({
      type: "input_audio_buffer.append",
      audio: Buffer.alloc(15 * 1024 * 1024).toString("base64"),
    });
    client.send({
      type: "input_audio_buffer.append",
      audio: Buffer.alloc(15 * 1024 * 1024 + 2).toString("base64"),
    });
    client.send({ type: "input_audio_buffer.clear" });
    const events = await client.through("input_audio_buffer.cleared", 20_000);
    expect(events.map((e) => e.type)).toEqual(["error", "input_audio_buffer.cleared"]);
    expect(events[0]?.type === "error" && events[0].error).toMatchObject({
      code: "invalid_value",
      param: "audio",
    });
  });

  it("closes every open socket of a simulator with code 1001", async () => {
    const first = await connect();
    const second = await connect();
    await first.next("session.created");
    expect(openRealtimeConnections(sim.state)).toBe(2);
    closeRealtimeConnections(sim.state);
    expect((await first.closed).code).toBe(1001);
    expect((await second.closed).code).toBe(1001);
    expect(openRealtimeConnections(sim.state)).toBe(0);
  });
});

describe("realtime faults", () => {
  it("drops the TCP connection after N server events without a close frame", async () => {
    addFault(sim.state, { route: "GET /v1/realtime", dropWebSocketAfterEvents: 3 });
    const client = await connect();
    client.send({ type: "input_audio_buffer.clear" });
    client.send({ type: "input_audio_buffer.clear" });
    client.send({ type: "input_audio_buffer.clear" });
    const { code } = await client.closed;
    expect(code).toBe(1006);
    expect(client.events.map((e) => e.type)).toEqual([
      "session.created",
      "input_audio_buffer.cleared",
      "input_audio_buffer.cleared",
    ]);
  });

  it("refuses the connection outright, then serves the next one", async () => {
    addFault(sim.state, { route: "GET /v1/realtime", refuseConnection: true });
    await expect(Client.connect(sim.origin)).rejects.toThrow(/socket hang up|ECONNRESET/);
    const client = await connect();
    await client.next("session.created");
  });

  it("answers an injected error status without upgrading, after the injected latency", async () => {
    addFault(sim.state, {
      route: "GET /v1/realtime",
      errorStatus: 429,
      retryAfterSeconds: 2,
      latencyMs: 150,
    });
    const started = Date.now();
    const rejected = await Client.reject(sim.origin);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(rejected.status).toBe(429);
    expect(rejected.body.error.code).toBe("rate_limit_exceeded");
  });
});
