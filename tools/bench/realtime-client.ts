/**
 * Benchmark clients for the Realtime protocol: a `ws` socket that measures round trips of probes
 * (a client event and the server event it causes), for the same probes sent straight to the
 * simulator or through the gateway.
 */
import WebSocket from "ws";

/** Where a benchmark connects: the simulator directly, or the gateway through one of its URLs. */
export interface Target {
  label: string;
  /** `ws://host:port` */
  origin: string;
  /** Handshake headers for end user `user`. */
  headers(user: string): Record<string, string>;
}

const TYPE = /^\{"type":"([^"]+)"/;
const CONNECT_TIMEOUT_MS = 10_000;

/** PCM16 silence of `ms` milliseconds at 24 kHz, base64 (what a muted microphone streams). */
export function silence(ms: number): string {
  return Buffer.alloc(ms * 48).toString("base64");
}

interface Pending {
  reply: string;
  sentAt: number;
  resolve: (rttMs: number) => void;
  timer: NodeJS.Timeout;
}

/** A reply later than this means the run is broken, not slow: fail instead of waiting forever. */
const PROBE_TIMEOUT_MS = 15_000;

export class BenchSocket {
  private readonly pending: Pending[] = [];
  private readonly waiters = new Map<string, () => void>();
  private lastTypes: string[] = [];

  private constructor(
    readonly ws: WebSocket,
    readonly label: string,
  ) {
    ws.on("message", (data) => this.onMessage(String(data)));
  }

  /** Opens a session and resolves once `session.created` arrived. */
  static open(target: Target, user: string): Promise<BenchSocket> {
    const ws = new WebSocket(`${target.origin}/v1/realtime?model=gpt-realtime`, {
      headers: target.headers(user),
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
    });
    const socket = new BenchSocket(ws, target.label);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${target.label}: no session.created`)),
        CONNECT_TIMEOUT_MS,
      );
      socket.waiters.set("session.created", () => {
        clearTimeout(timer);
        resolve(socket);
      });
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`${target.label}: HTTP ${res.statusCode}`)),
      );
    });
  }

  private onMessage(frame: string): void {
    const type = TYPE.exec(frame)?.[1];
    if (type === undefined) return;
    this.lastTypes.push(type);
    if (this.lastTypes.length > 8) this.lastTypes.shift();
    const head = this.pending[0];
    if (head && head.reply === type) {
      this.pending.shift();
      head.resolve(performance.now() - head.sentAt);
    }
    const waiter = this.waiters.get(type);
    if (waiter) {
      this.waiters.delete(type);
      waiter();
    }
  }

  /** Resolves when the next event of `type` arrives. */
  waitFor(type: string): Promise<void> {
    return new Promise((resolve) => this.waiters.set(type, resolve));
  }

  /** Sends `frames` back to back and resolves with the ms until the `reply` event arrives. */
  probe(frames: string[], reply: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const state = `socket state ${this.ws.readyState}, ${this.pending.length} pending, last events: ${this.lastTypes.join(", ")}`;
        reject(new Error(`${this.label}: no ${reply} within ${PROBE_TIMEOUT_MS} ms (${state})`));
      }, PROBE_TIMEOUT_MS);
      const done = (rtt: number) => {
        clearTimeout(timer);
        resolve(rtt);
      };
      this.pending.push({ reply, sentAt: performance.now(), resolve: done, timer });
      for (const frame of frames) this.ws.send(frame);
    });
  }

  /** Stores a user audio item of `ms` milliseconds the server can echo with `conversation.item.retrieve`. */
  async storeAudio(itemId: string, ms: number): Promise<void> {
    const done = this.waitFor("conversation.item.done");
    this.ws.send(
      JSON.stringify({
        type: "conversation.item.create",
        item: {
          id: itemId,
          type: "message",
          role: "user",
          content: [{ type: "input_audio", audio: silence(ms) }],
        },
      }),
    );
    await done;
  }

  /** Closes the session; probes still in flight are dropped (they were sent after measuring stopped). */
  close(): Promise<void> {
    for (const pending of this.pending.splice(0)) clearTimeout(pending.timer);
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close(1000);
    });
  }
}

/** The probes: a 35-byte event answered by a small one, and audio frames answered by audio frames. */
export const probes = {
  small: {
    frames: [JSON.stringify({ type: "input_audio_buffer.clear" })],
    reply: "input_audio_buffer.cleared",
  },
  /** An `append` of `ms` of audio, then a retrieve that brings `ms` of audio back: audio both ways. */
  audio(ms: number, itemId: string) {
    return {
      frames: [
        JSON.stringify({ type: "input_audio_buffer.append", audio: silence(ms) }),
        JSON.stringify({ type: "conversation.item.retrieve", item_id: itemId }),
      ],
      reply: "conversation.item.retrieved",
    };
  },
};
