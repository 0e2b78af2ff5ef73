/**
 * The Realtime relay end to end: the official SDK's `OpenAIRealtimeWS` (which always dials `wss://`)
 * against the gateway served over HTTPS by `launchGateway`, a browser-style subprotocol client, a
 * Node tool server that checks the Standard Webhooks signature with the SDK's own verifier, and a
 * real network drop (TCP destroyed) followed by a resume with replay.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import type { RealtimeServerEvent } from "openai/resources/realtime/realtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  bootstrapTenant,
  type Gateway,
  type HttpResult,
  httpRequest,
  launchGateway,
} from "../../tools/launch";

let gateway: Gateway;
let apiKey: string;
let tenantId: string;

beforeAll(async () => {
  // The tool server below listens on loopback: the operator allows it explicitly.
  gateway = await launchGateway({
    https: true,
    vars: { LOG_LEVEL: "error", OUTBOUND_ALLOW_PRIVATE_HOSTS: "127.0.0.1" },
  });
  ({ apiKey, tenantId } = await bootstrapTenant(gateway.url, gateway.adminToken, "realtime-e2e", {
    ca: gateway.ca,
  }));
});

afterAll(() => gateway?.close());

function expectJsonOk<T>(res: HttpResult): T {
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as T;
}

/** The SDK types `session.created`'s session as the request shape, without the `id` the server sends. */
const sessionIdOf = (event: { session: object }) => (event.session as { id?: string }).id;

const wssUrl = (query: string) => `${gateway.url.replace(/^https/, "wss")}/v1/realtime?${query}`;

/** Records every server event of a `ws` socket in order and waits for the ones a test expects. */
class Recorder {
  readonly events: RealtimeServerEvent[] = [];
  private waiters: (() => void)[] = [];

  push(event: RealtimeServerEvent): void {
    this.events.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  }

  async next<T extends RealtimeServerEvent["type"]>(
    type: T,
    after = 0,
    waitMs = 5000,
  ): Promise<Extract<RealtimeServerEvent, { type: T }>> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = this.events.slice(after).find((e) => e.type === type);
      if (found) return found as Extract<RealtimeServerEvent, { type: T }>;
      if (Date.now() > deadline)
        throw new Error(`no ${type}; seen ${this.events.map((e) => e.type).join(", ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

function sdkSession(user: string): { rt: OpenAIRealtimeWS; events: Recorder } {
  const client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1` });
  const rt = new OpenAIRealtimeWS(
    {
      model: "gpt-realtime",
      options: { headers: { "x-user-id": user }, ca: gateway.ca, maxPayload: 64 * 1024 * 1024 },
    },
    client,
  );
  const events = new Recorder();
  rt.on("event", (event) => events.push(event));
  rt.on("error", () => {});
  return { rt, events };
}

function rawSocket(
  query: string,
  init: WebSocket.ClientOptions & { protocols?: string[] },
): { ws: WebSocket; events: Recorder } {
  const ws = new WebSocket(wssUrl(query), init.protocols ?? [], { ca: gateway.ca, ...init });
  const events = new Recorder();
  ws.on("message", (data) => events.push(JSON.parse(String(data)) as RealtimeServerEvent));
  ws.on("error", () => {});
  return { ws, events };
}

const say = (send: (event: object) => void, text: string) => {
  send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
  });
  send({ type: "response.create" });
};

describe("realtime through the official SDK over wss", () => {
  it("runs a conversation with OpenAIRealtimeWS", async () => {
    const { rt, events } = sdkSession("sdk-user");
    const created = await events.next("session.created");
    expect(created.session.type).toBe("realtime");
    say((e) => rt.send(e as never), "hello from the sdk");
    const transcript = await events.next("response.output_audio_transcript.done");
    expect(transcript.transcript).toBe("You said: hello from the sdk");
    rt.close();
  });

  it("relays a 12 MiB audio frame over the network path", async () => {
    const { rt, events } = sdkSession("big-frames");
    await events.next("session.created");
    rt.send({
      type: "session.update",
      session: { type: "realtime", audio: { input: { turn_detection: null } } },
    });
    await events.next("session.updated");
    rt.send({
      type: "input_audio_buffer.append",
      audio: Buffer.alloc(9 * 1024 * 1024, 1).toString("base64"),
    });
    rt.send({ type: "input_audio_buffer.commit" });
    await events.next("input_audio_buffer.committed", 0, 15_000);
    expect(events.events.map((e) => e.type)).not.toContain("error");
    rt.close();
  });

  it("authenticates a browser-style client by subprotocol and echoes 'realtime'", async () => {
    const minted = await httpRequest(`${gateway.url}/v1/auth/user_tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ user: "browser" }),
      ca: gateway.ca,
    });
    const { token } = expectJsonOk<{ token: string }>(minted);
    const { ws, events } = rawSocket("model=gpt-realtime", {
      protocols: ["realtime", `openai-insecure-api-key.${token}`],
    });
    await events.next("session.created");
    expect(ws.protocol).toBe("realtime");
    ws.close();
  });
});

describe("realtime server tools, end to end", () => {
  let toolServer: Server;
  let secret: string;
  const calls: { payload: Record<string, unknown>; verified: boolean }[] = [];

  beforeAll(async () => {
    const verifier = new OpenAI({ apiKey: "unused" });
    toolServer = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        verifier.webhooks
          .verifySignature(body, req.headers as Record<string, string>, secret)
          .then(
            () => true,
            () => false,
          )
          .then((verified) => {
            calls.push({ payload: JSON.parse(body) as Record<string, unknown>, verified });
            res.writeHead(verified ? 200 : 401, { "content-type": "application/json" });
            res.end(JSON.stringify(verified ? { temperature_c: 21 } : { error: "bad signature" }));
          });
      });
    });
    await new Promise<void>((resolve) => toolServer.listen(0, "127.0.0.1", resolve));
    const port = (toolServer.address() as AddressInfo).port;
    const put = await httpRequest(`${gateway.url}/admin/tenants/${tenantId}/tools/get_weather`, {
      method: "PUT",
      headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        description: "Current weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        url: `http://127.0.0.1:${port}/weather`,
      }),
      ca: gateway.ca,
    });
    secret = expectJsonOk<{ webhook_secret: string }>(put).webhook_secret;
  });

  afterAll(() => new Promise<void>((resolve) => toolServer.close(() => resolve())));

  it("runs the tenant's tool on the tool server with a verified signature; the SDK never sees the call", async () => {
    const { rt, events } = sdkSession("tool-user");
    const created = await events.next("session.created");
    say((e) => rt.send(e as never), "get_weather in Lyon");
    const answer = await events.next("response.output_audio_transcript.done");
    expect(answer.transcript).toBe("The get_weather result is temperature c 21.");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.verified).toBe(true);
    expect(calls[0]?.payload).toMatchObject({
      user: "tool-user",
      session_id: sessionIdOf(created),
      name: "get_weather",
    });
    expect(events.events.map((e) => e.type)).not.toContain("response.function_call_arguments.done");
    rt.close();
  });
});

describe("realtime to a client that stops reading", () => {
  // workerd gives a Durable Object no backpressure signal (no `bufferedAmount`, `send()` never throws
  // or blocks): what a slow client has not read waits in workerd's queue. The relay bounds only what
  // it buffers itself; this pins what a client sees: nothing lost, nothing reordered.
  it("delivers every event of a response produced while the client was not reading, in order", async () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    /**
     * A session whose client stopped reading right after `response.created` while the response
     * finished upstream, or null when the client had read it all anyway (a loaded machine can hand
     * the whole response to the client in the read that brought `response.created`).
     */
    const fallBehind = async (attempt: number) => {
      const { ws, events } = rawSocket("model=gpt-realtime", {
        headers: { authorization: `Bearer ${apiKey}`, "x-user-id": `slow-reader-${attempt}` },
      });
      const created = await events.next("session.created");
      say((e) => ws.send(JSON.stringify(e)), words);
      await events.next("response.created");
      // Stop reading from the TCP socket: frames pile up in the kernel and in workerd.
      const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      // The response finishes upstream meanwhile: the gateway records its usage.
      const detailUrl = `${gateway.url}/admin/tenants/${tenantId}/realtime/sessions/${sessionIdOf(created)}`;
      for (;;) {
        const res = await httpRequest(detailUrl, {
          headers: { authorization: `Bearer ${gateway.adminToken}` },
          ca: gateway.ca,
        });
        if (res.status === 200 && (JSON.parse(res.body) as { responses: unknown[] }).responses.length === 1)
          break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (!events.events.some((e) => e.type === "response.done")) return { ws, events, socket };
      ws.close();
      return null;
    };
    let behind: Awaited<ReturnType<typeof fallBehind>> = null;
    for (let attempt = 0; attempt < 3 && !behind; attempt++) behind = await fallBehind(attempt);
    // The client fell behind: the end of the response had not reached it (in one of three tries).
    expect(behind).not.toBeNull();
    const { ws, events, socket } = behind as NonNullable<typeof behind>;
    socket.resume();
    const transcript = await events.next("response.output_audio_transcript.done");
    expect(transcript.transcript).toBe(`You said: ${words}`);
    const deltas = events.events.filter((e) => e.type === "response.output_audio_transcript.delta");
    expect(deltas.map((e) => e.delta).join("")).toBe(transcript.transcript);
    await events.next("response.done");
    expect(events.events.map((e) => e.type)).not.toContain("error");
    ws.close();
  });
});

describe("realtime reconnect over a real network drop", () => {
  it("resumes after the TCP connection dies and replays the missed events", async () => {
    const { rt, events } = sdkSession("commuter");
    const created = await events.next("session.created");
    say((e) => rt.send(e as never), "what did I miss while in the tunnel");
    const started = await events.next("response.created");
    rt.socket.terminate();

    const query = `session_id=${sessionIdOf(created)}&last_event_id=${started.event_id}`;
    const { ws, events: resumed } = rawSocket(query, {
      headers: { authorization: `Bearer ${apiKey}`, "x-user-id": "commuter" },
    });
    const transcript = await resumed.next("response.output_audio_transcript.done");
    expect(transcript.transcript).toBe("You said: what did I miss while in the tunnel");
    const deltas = resumed.events.filter((e) => e.type === "response.output_audio_transcript.delta");
    expect(deltas.map((e) => e.delta).join("")).toBe(transcript.transcript);
    await resumed.next("response.done");
    ws.close();
  });
});
