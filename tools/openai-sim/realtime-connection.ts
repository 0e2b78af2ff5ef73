/**
 * One simulated Realtime WebSocket session: its conversation, input buffer, active response,
 * timers, and the single `send` path that stamps `event_id`s and applies the
 * `dropWebSocketAfterEvents` fault.
 * @see https://platform.openai.com/docs/guides/realtime-websocket
 */
import { WebSocket } from "ws";
import { Conversation } from "./realtime-conversation";
import { InputAudioBuffer } from "./realtime-input";
import type { ResponseRun } from "./realtime-response";
import type { OutgoingEvent, SimError, SimSession } from "./realtime-types";
import { newId } from "./realtime-types";
import { VoiceActivityDetector } from "./realtime-vad";

export interface ConnectionOptions {
  /** Destroy the TCP socket (no close frame) right after this many server events. */
  dropAfterEvents?: number;
  /** With `dropAfterEvents`: send a close frame with this code (e.g. 1013, try again later) instead. */
  closeCode?: number;
  /** Pause between streamed chunks, so cancels and client events can interleave. */
  chunkDelayMs: number;
}

/** How long a closing socket may take to answer our close frame before it is destroyed. */
const CLOSE_GRACE_MS = 500;

export class RealtimeConnection {
  readonly conversation = new Conversation();
  readonly input = new InputAudioBuffer();
  readonly vad = new VoiceActivityDetector();
  activeResponse: ResponseRun | null = null;
  /** The item id announced by `speech_started`, reused by the commit that follows. */
  speechItemId: string | null = null;
  /** Set after the first assistant audio: the voice can no longer change. */
  voiceLocked = false;
  /** Input + output tokens of the previous turn (the prefix the next turn can read from cache). */
  lastTurnTokens = 0;
  /** Called once when the connection is disposed (closed, dropped or expired). */
  onDispose: (() => void) | null = null;
  private sentEvents = 0;
  private dropped = false;
  private disposed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly ws: WebSocket,
    readonly session: SimSession,
    private readonly options: ConnectionOptions,
  ) {}

  get isOpen(): boolean {
    return !this.disposed && !this.dropped && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one server event with a fresh `event_id`; a no-op once the socket is gone. */
  send(event: OutgoingEvent): void {
    if (!this.isOpen) return;
    const { type, ...rest } = event;
    const data = JSON.stringify({ type, event_id: newId("event"), ...rest });
    this.sentEvents += 1;
    const limit = this.options.dropAfterEvents;
    if (limit !== undefined && this.sentEvents >= limit) {
      this.dropped = true;
      const closeCode = this.options.closeCode;
      // Simulated network drop: flush this frame, then destroy the TCP socket without a close frame;
      // or, with a close code, the server ending the session (1013: overloaded, try again later).
      if (closeCode !== undefined) this.ws.send(data, () => this.ws.close(closeCode, "try again later"));
      else this.ws.send(data, () => this.ws.terminate());
      this.dispose();
      return;
    }
    this.ws.send(data, () => {});
  }

  /** An `error` event; `clientEventId` points back at the client event that caused it. */
  error(error: SimError, clientEventId?: string): void {
    this.send({
      type: "error",
      error: {
        type: error.type ?? "invalid_request_error",
        code: error.code,
        message: error.message,
        param: error.param ?? null,
        event_id: clientEventId ?? null,
      },
    });
  }

  /** Waits `ms` (default: the chunk delay); resolves at once when the connection is disposed. */
  pause(ms = this.options.chunkDelayMs): Promise<void> {
    if (this.disposed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.timers.add(timer);
      this.sleepers.add(wake);
    });
  }

  /** Runs `fn` after `ms` unless the connection has been disposed by then. */
  schedule(ms: number, fn: () => void): void {
    if (this.disposed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Starts the closing handshake; destroys the socket if the peer does not answer in time. */
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    const ws = this.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    this.dispose();
  }

  /** Clears every timer and stops the active response; safe to call more than once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
    this.activeResponse?.cancel("client_cancelled");
    this.onDispose?.();
  }
}
