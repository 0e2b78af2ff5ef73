import { exports } from "cloudflare:workers";
import { admin, GATEWAY } from "./gateway";
import { inSimScope } from "./sim";

/** A server event as the client receives it. */
export interface RtEvent {
  type: string;
  event_id?: string;
  [key: string]: unknown;
}

export interface RtErrorEvent extends RtEvent {
  error: {
    type: string;
    code: string | null;
    message: string;
    param: string | null;
    event_id: string | null;
  };
}

export interface ConnectOptions {
  /** API key or end-user token. */
  key: string;
  /** Sent as X-User-Id (API keys need one). */
  user?: string;
  model?: string;
  /** Extra query string, e.g. `session_id=…&last_event_id=…` (then `model` is not added). */
  query?: string;
  /** Put the credential in the subprotocol slot, as browsers do, instead of Authorization. */
  viaSubprotocol?: boolean;
  protocols?: string[];
}

/** How long a test waits for one expected event; the simulator answers in milliseconds. */
const WAIT_MS = 3000;

/** The upgrade request to the gateway; resolves with the raw response (101 or an HTTP error). */
export function upgrade(options: ConnectOptions): Promise<Response> {
  const headers: Record<string, string> = { upgrade: "websocket" };
  if (options.user !== undefined) headers["x-user-id"] = options.user;
  const protocols = [...(options.protocols ?? [])];
  if (options.viaSubprotocol) protocols.push("realtime", `openai-insecure-api-key.${options.key}`);
  else headers.authorization = `Bearer ${options.key}`;
  if (protocols.length > 0) headers["sec-websocket-protocol"] = protocols.join(", ");
  const query = options.query ?? `model=${encodeURIComponent(options.model ?? "gpt-realtime")}`;
  return exports.default.fetch(inSimScope(new Request(`${GATEWAY}/v1/realtime?${query}`, { headers })));
}

/** A client socket that records every server event in order and waits for the ones a test expects. */
export class RtClient {
  readonly events: RtEvent[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private wake: (() => void) | null = null;
  private isClosed = false;
  /** Acknowledge every server event as it arrives (`edgegate.ack`), as a client that keeps up would. */
  autoAck = false;

  constructor(
    readonly ws: WebSocket,
    readonly response: Response,
  ) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const parsed = JSON.parse(String(event.data)) as RtEvent;
      this.events.push(parsed);
      if (this.autoAck && parsed.event_id) this.ack(parsed.event_id);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        this.isClosed = true;
        resolve({ code: event.code, reason: event.reason });
        this.wake?.();
      });
    });
  }

  send(event: Record<string, unknown> | string | ArrayBuffer): void {
    this.ws.send(typeof event === "string" || event instanceof ArrayBuffer ? event : JSON.stringify(event));
  }

  /** Tells the gateway the client has read every server event up to `eventId`. */
  ack(eventId: string): void {
    this.send({ type: "edgegate.ack", last_event_id: eventId });
  }

  /** The next event (after the previous `next`) of `type`; fails after a bounded wait. */
  async next<T extends RtEvent = RtEvent>(type: string, waitMs = WAIT_MS): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      while (this.cursor < this.events.length) {
        const event = this.events[this.cursor++] as RtEvent;
        if (event.type === type) return event as T;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.isClosed) {
        const seen = this.events.map((e) => e.type).join(", ");
        throw new Error(`no '${type}' event within ${waitMs} ms (closed: ${this.isClosed}); seen: ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** All event types received so far, in order. */
  types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Resolves with the close, or fails if the socket is still open after the bounded wait. */
  async waitClosed(waitMs = WAIT_MS): Promise<{ code: number; reason: string }> {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`socket still open after ${waitMs} ms`)), waitMs),
    );
    return Promise.race([this.closed, timeout]);
  }

  close(code = 1000, reason = ""): void {
    this.ws.close(code, reason);
  }
}

/** Opens a client socket through the gateway; fails with the HTTP error if the upgrade is refused. */
export async function connect(options: ConnectOptions): Promise<RtClient> {
  const res = await upgrade(options);
  if (res.status !== 101 || !res.webSocket)
    throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  return new RtClient(res.webSocket, res);
}

/** Connects and waits for `session.created`; returns the client and the session id to resume with. */
export async function startSession(
  options: ConnectOptions,
): Promise<{ client: RtClient; sessionId: string }> {
  const client = await connect(options);
  const created = await client.next<RtEvent & { session: { id: string } }>("session.created");
  return { client, sessionId: created.session.id };
}

/** Turns off server VAD: the client commits its audio and asks for responses itself. */
export function turnsByHand(client: RtClient): void {
  client.send({
    type: "session.update",
    session: { type: "realtime", audio: { input: { turn_detection: null } } },
  });
}

/** A text turn: the user message and a `response.create`. */
export function sayText(client: RtClient, text: string): void {
  client.send({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
  });
  client.send({ type: "response.create" });
}

/** 100 ms of PCM16 at 24 kHz (a soft tone), base64, as one audio frame of a real client. */
export function audioFrame(ms = 100): string {
  const samples = 24 * ms;
  const bytes = new Uint8Array(samples * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples; i++) view.setInt16(i * 2, Math.round(Math.sin(i / 8) * 8000), true);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Polls an admin read until `ready` accepts it (the relay writes to D1 in batches, about a second later). */
export async function eventually<T>(
  read: () => Promise<T>,
  ready: (value: T) => boolean,
  waitMs = 4000,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Registers a server-side tool for a tenant; returns the signing secret when this was the first tool. */
export async function putTool(
  tenantId: string,
  name: string,
  body: Record<string, unknown>,
): Promise<{ status: number; webhook_secret?: string }> {
  const res = await admin(`/tenants/${tenantId}/tools/${name}`, "PUT", body);
  const json = (await res.json()) as { webhook_secret?: string };
  return { status: res.status, ...json };
}

/** An item of a recorded session, as `GET /admin/tenants/:id/realtime/sessions/:session_id` shows it. */
export interface RecordedItem {
  item_id: string;
  type: string;
  role: string | null;
  text: string | null;
  name: string | null;
  call_id: string | null;
  arguments: string | null;
  output: string | null;
  server_tool: boolean;
  error: string | null;
  duration_ms: number | null;
}

/** A recorded session with its usage rows and items. */
export interface RecordedSession {
  id: string;
  type: "realtime" | "transcription";
  model: string;
  status: string;
  end_reason: string | null;
  instructions: string | null;
  usage: { responses: number; input_tokens: number; output_tokens: number; input_audio_seconds: number };
  tool_calls: number;
  responses: { response_id: string; input_tokens: number; output_tokens: number; total_tokens: number }[];
  items: RecordedItem[];
}

/** The admin view of one recorded session (or its OpenAI-shaped 404 body). */
export async function recordedSession(tenantId: string, sessionId: string): Promise<RecordedSession> {
  const res = await admin(`/tenants/${tenantId}/realtime/sessions/${sessionId}`);
  return (await res.json()) as RecordedSession;
}
