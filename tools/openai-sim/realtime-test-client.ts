/**
 * Test helpers for the simulated Realtime server: a `ws` client that records every server event
 * in order, waits for events by type, and PCM16 generators for tones and silence.
 */
import type { RealtimeClientEvent } from "openai/resources/realtime/realtime";
import WebSocket from "ws";
import { BYTES_PER_MS, SAMPLE_RATE } from "./realtime-audio";
import type { SimServerEvent } from "./realtime-types";

export type EventOf<T extends SimServerEvent["type"]> = Extract<SimServerEvent, { type: T }>;

export interface ConnectOptions {
  query?: string;
  key?: string | null;
  protocols?: string[];
  headers?: Record<string, string>;
}

export interface Rejection {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
}

const WAIT_MS = 5000;

function realtimeUrl(origin: string, query: string): string {
  return `${origin.replace(/^http/, "ws")}/v1/realtime${query}`;
}

function socketFor(origin: string, options: ConnectOptions): WebSocket {
  const key = options.key === undefined ? "sk-sim-edgegate" : options.key;
  const headers: Record<string, string> = {
    ...(key !== null && { authorization: `Bearer ${key}` }),
    ...options.headers,
  };
  return new WebSocket(realtimeUrl(origin, options.query ?? "?model=gpt-realtime"), options.protocols ?? [], {
    headers,
    maxPayload: 64 * 1024 * 1024,
  });
}

export class RealtimeTestClient {
  readonly events: SimServerEvent[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private notify: (() => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.events.push(JSON.parse(String(data)) as SimServerEvent);
      this.notify?.();
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.notify?.();
      });
    });
    ws.on("error", () => {});
  }

  /** Opens a socket and resolves once the handshake succeeded. */
  static connect(origin: string, options: ConnectOptions = {}): Promise<RealtimeTestClient> {
    const ws = socketFor(origin, options);
    const client = new RealtimeTestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`handshake answered ${res.statusCode}`)),
      );
      ws.once("error", reject);
    });
  }

  /** Expects the handshake to be refused with an HTTP error; resolves with its status and body. */
  static reject(origin: string, options: ConnectOptions = {}): Promise<Rejection> {
    const ws = socketFor(origin, options);
    return new Promise((resolve, reject) => {
      ws.once("open", () => reject(new Error("handshake unexpectedly succeeded")));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Rejection["body"] });
          ws.terminate();
        });
      });
    });
  }

  send(event: RealtimeClientEvent): void {
    this.ws.send(JSON.stringify(event));
  }

  /** Sends a deliberately invalid (or loosely typed) client event. */
  sendUnchecked(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  /** The next event of `type` after the previous match (earlier events of other types are skipped). */
  async next<T extends SimServerEvent["type"]>(type: T, timeoutMs = WAIT_MS): Promise<EventOf<T>> {
    const events = await this.through(type, timeoutMs);
    return events.at(-1) as EventOf<T>;
  }

  /** Every event from the previous match up to and including the next event of `type`. */
  async through(type: SimServerEvent["type"], timeoutMs = WAIT_MS): Promise<SimServerEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((event, i) => i >= this.cursor && event.type === type);
      if (index >= 0) {
        const slice = this.events.slice(this.cursor, index + 1);
        this.cursor = index + 1;
        return slice;
      }
      const seen = this.events.slice(this.cursor).map((e) => e.type);
      if (Date.now() >= deadline || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no '${type}' event; received after cursor: ${seen.join(", ") || "nothing"}`);
      }
      await new Promise<void>((resolve) => {
        this.notify = resolve;
        setTimeout(resolve, 20);
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    return this.closed;
  }
}

/** A PCM16 sine tone at `amplitude` (0..1 of full scale). */
export function tone(ms: number, frequency = 440, amplitude = 0.3): Buffer {
  const samples = (ms * SAMPLE_RATE) / 1000;
  const pcm = Buffer.alloc(samples * 2);
  for (let n = 0; n < samples; n++) {
    const value = Math.sin((2 * Math.PI * frequency * n) / SAMPLE_RATE) * amplitude;
    pcm.writeInt16LE(Math.round(value * 32767), n * 2);
  }
  return pcm;
}

export function silence(ms: number): Buffer {
  return Buffer.alloc(ms * BYTES_PER_MS);
}

/** Appends `pcm` in `chunkMs` pieces, as a microphone stream would. */
export function appendAudio(client: RealtimeTestClient, pcm: Buffer, chunkMs = 100): void {
  const size = chunkMs * BYTES_PER_MS;
  for (let offset = 0; offset < pcm.length; offset += size) {
    client.send({
      type: "input_audio_buffer.append",
      audio: pcm.subarray(offset, offset + size).toString("base64"),
    });
  }
}
