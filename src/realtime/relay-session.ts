/**
 * One Realtime session inside the user's Durable Object: the client socket (which may drop and
 * reattach), the upstream socket opened with the provider key, the queue of client events sent
 * before the upstream is ready, the replay buffer, and the session's deadlines.
 * @see https://developers.cloudflare.com/durable-objects/best-practices/websockets/
 */
import type { Bindings } from "../platform/env";
import { onClientFrame } from "./client-events";
import { CLOSE, errorEvent, type GatewayEventError, safeClose, safeSend } from "./events";
import type { DailyLedger } from "./ledger";
import { quotaMessage } from "./ledger";
import type { RealtimePolicy } from "./policy";
import type { RealtimeRecord } from "./records";
import { SessionRecorder } from "./recorder";
import { ReplayBuffer } from "./replay-buffer";
import { onServerFrame } from "./server-events";
import { ServerToolRunner } from "./server-tools";
import { initialSessionUpdate } from "./session-policy";
import { isRefusal, openUpstream } from "./upstream-socket";

/** Client events queued while the upstream connects, at most (one 16 MiB frame fits). */
export const MAX_QUEUED_CLIENT_BYTES = 17 * 1024 * 1024;

/** What a session needs from the Durable Object that holds it. */
export interface RelayHost {
  readonly env: Bindings;
  readonly ledger: DailyLedger;
  record(record: RealtimeRecord): void;
  /** The session got or lost a deadline: recompute the alarm. */
  deadlinesChanged(): void;
  started(session: RelaySession): void;
  ended(session: RelaySession): void;
}

export interface EndOptions {
  error?: GatewayEventError;
  closeCode?: number;
  closeReason?: string;
}

type Phase = "connecting" | "open" | "ended";

export class RelaySession {
  /** The upstream session id (`session.created`), the id clients reattach with. */
  id: string | null = null;
  phase: Phase = "connecting";
  client: WebSocket | null;
  upstream: WebSocket | null = null;
  readonly startedAt = Date.now();
  readonly endsAt: number;
  graceDeadline: number | null = null;
  readonly replay: ReplayBuffer;
  readonly tools: ServerToolRunner;
  readonly recorder: SessionRecorder;
  /** Bytes per millisecond of the session's audio formats (PCM16 at 24 kHz by default). */
  readonly audioBytesPerMs = { input: 48, output: 48 };
  readonly stats = { inputAudioMs: 0, outputAudioMs: 0, reconnects: 0 };
  private queue: string[] = [];
  private queuedBytes = 0;

  constructor(
    readonly host: RelayHost,
    readonly policy: RealtimePolicy,
    readonly model: string,
    client: WebSocket,
  ) {
    this.client = client;
    this.endsAt = this.startedAt + policy.maxSessionSeconds * 1000;
    this.replay = new ReplayBuffer(policy.replayBufferBytes);
    this.recorder = new SessionRecorder(
      () => this.id,
      (record) => host.record(record),
    );
    this.tools = new ServerToolRunner({
      policy,
      sessionId: () => this.id ?? "",
      sendUpstream: (frame) => this.sendUpstream(frame),
      isEnded: () => this.phase === "ended",
    });
  }

  /** Starts relaying: listens to the client and opens the upstream in the background. */
  start(): void {
    this.listenToClient(this.client as WebSocket);
    void this.connect();
  }

  /** Earliest time the alarm must look at this session. */
  get deadline(): number {
    return Math.min(this.endsAt, this.graceDeadline ?? Number.POSITIVE_INFINITY);
  }

  private listenToClient(ws: WebSocket): void {
    ws.addEventListener("message", (event) => {
      if (this.client === ws && this.phase !== "ended") onClientFrame(this, event.data);
    });
    ws.addEventListener("close", (event) => this.onClientGone(ws, event.code));
    ws.addEventListener("error", () => this.onClientGone(ws, 1006));
  }

  private async connect(): Promise<void> {
    const result = await openUpstream(this.host.env, this.model);
    if (this.phase === "ended") {
      if (!isRefusal(result)) safeClose(result, CLOSE.normal, "session ended");
      return;
    }
    if (isRefusal(result)) {
      const retryable = result.status === 429 || result.status === 503;
      const message =
        result.status === 401 ? "The upstream Realtime API refused the gateway's credentials." : result.message;
      this.end("upstream_refused", {
        error: { type: "server_error", code: result.code, message },
        closeCode: retryable ? CLOSE.tryAgainLater : CLOSE.badGateway,
        closeReason: "upstream_unavailable",
      });
      return;
    }
    this.upstream = result;
    result.addEventListener("message", (event) => {
      if (this.phase !== "ended") onServerFrame(this, event.data);
    });
    result.addEventListener("close", (event) => this.onUpstreamGone(event.code, event.reason));
    result.addEventListener("error", () => this.onUpstreamGone(1006, "error"));
    this.phase = "open";
    const initial = initialSessionUpdate(this.policy);
    if (initial !== null) result.send(initial);
    for (const frame of this.queue) result.send(frame);
    this.queue = [];
    this.queuedBytes = 0;
  }

  /** Sends a client event upstream, or queues it (in order) until the upstream is open. */
  sendUpstream(frame: string): void {
    if (this.phase === "open") {
      safeSend(this.upstream, frame);
      return;
    }
    if (this.phase === "ended") return;
    if (this.queuedBytes + frame.length > MAX_QUEUED_CLIENT_BYTES) {
      this.clientError({
        code: "client_queue_full",
        message: `The upstream is still connecting and ${this.queuedBytes} bytes of events are already queued; this event was dropped. Wait for session.created before streaming audio.`,
      });
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
  }

  /** Delivers a server event to the client and keeps it for replay. */
  deliver(frame: string, eventId: string | null): void {
    if (!this.replay.push(eventId, frame)) {
      this.end("replay_buffer_overflow", {});
      return;
    }
    if (this.client) safeSend(this.client, frame);
  }

  /** A gateway `error` event for the client (kept for replay like any server event). */
  clientError(error: GatewayEventError): void {
    this.deliver(errorEvent(error), null);
  }

  /** Counts streamed audio against the user's daily quota; ends the session when it runs out. */
  addAudio(direction: "input" | "output", bytes: number): void {
    const ms = bytes / this.audioBytesPerMs[direction];
    if (direction === "input") this.stats.inputAudioMs += ms;
    else this.stats.outputAudioMs += ms;
    const now = Date.now();
    this.host.ledger.addAudioMs(ms, now);
    if (this.policy.dailyAudioSeconds !== null) this.checkQuota(now);
  }

  addTokens(tokens: number): void {
    const now = Date.now();
    this.host.ledger.addTokens(tokens, now);
    this.checkQuota(now);
  }

  private checkQuota(now: number): void {
    const exceeded = this.host.ledger.exceeded(this.policy, now);
    if (exceeded === null) return;
    this.end(`quota_exceeded_${exceeded}`, {
      error: { type: "rate_limit_error", code: "quota_exceeded", message: quotaMessage(exceeded, this.policy) },
      closeCode: CLOSE.policy,
      closeReason: "quota_exceeded",
    });
  }

  /** The upstream announced the session: it can now be resumed and recorded. */
  onSessionCreated(id: string, instructions: string | null, voice: string | null): void {
    if (this.id !== null) return;
    this.id = id;
    this.host.record({
      kind: "session_start",
      id,
      tenantId: this.policy.tenantId,
      userId: this.policy.userId,
      keyId: this.policy.keyId,
      model: this.model,
      startedAt: this.startedAt,
      instructions,
      voice,
    });
    this.host.started(this);
  }

  /** A new client socket takes the session over and receives what it missed, in order. */
  attach(ws: WebSocket, lastEventId: string | null): void {
    const previous = this.client;
    this.client = ws;
    safeClose(previous, CLOSE.normal, "Session resumed by another connection");
    this.listenToClient(ws);
    this.graceDeadline = null;
    this.stats.reconnects++;
    const replay = this.replay.reattach(lastEventId);
    if (!replay.complete) {
      safeSend(
        ws,
        errorEvent({
          code: "replay_incomplete",
          message: `Some events after '${lastEventId}' were no longer buffered; replaying the ${replay.frames.length} events still kept.`,
        }),
      );
    }
    for (const frame of replay.frames) safeSend(ws, frame);
    this.host.deadlinesChanged();
  }

  private onClientGone(ws: WebSocket, code: number): void {
    if (this.client !== ws || this.phase === "ended") return;
    this.client = null;
    safeClose(ws, code, "");
    // 1000/1005 is a client that meant to leave; anything else may be a network change.
    const intentional = code === 1000 || code === 1005;
    if (intentional || this.policy.graceSeconds === 0 || this.id === null) {
      this.end(intentional ? "client_closed" : "client_dropped", {});
      return;
    }
    this.replay.detach();
    this.graceDeadline = Date.now() + this.policy.graceSeconds * 1000;
    this.host.deadlinesChanged();
  }

  private onUpstreamGone(code: number, reason: string): void {
    if (this.phase === "ended") return;
    if (code === CLOSE.normal) {
      this.end("upstream_closed", { closeCode: CLOSE.normal, closeReason: reason || "upstream closed" });
      return;
    }
    this.end("upstream_disconnected", {
      error: {
        type: "server_error",
        code: "upstream_disconnected",
        message: `The upstream Realtime connection was lost (close code ${code}). Start a new session.`,
      },
      closeCode: CLOSE.badGateway,
      closeReason: "upstream_disconnected",
    });
  }

  /** Ends the session at a deadline (the alarm calls this). */
  tick(now: number): void {
    if (this.phase === "ended") return;
    if (now >= this.endsAt) {
      this.end("max_duration", {
        error: {
          code: "session_expired",
          message: `Your session hit the maximum duration of ${this.policy.maxSessionSeconds} seconds set for this tenant.`,
        },
        closeCode: CLOSE.normal,
        closeReason: "session_expired",
      });
    } else if (this.graceDeadline !== null && now >= this.graceDeadline) {
      this.end("reconnect_grace_expired", {});
    }
  }

  /** Ends the session: tells the client why, closes both sockets and records the end. */
  end(reason: string, options: EndOptions): void {
    if (this.phase === "ended") return;
    this.phase = "ended";
    if (options.error && this.client) safeSend(this.client, errorEvent(options.error));
    safeClose(this.client, options.closeCode ?? CLOSE.normal, options.closeReason ?? reason);
    safeClose(this.upstream, CLOSE.normal, "session ended");
    this.client = null;
    this.upstream = null;
    this.queue = [];
    this.replay.clear();
    if (this.id !== null) {
      this.host.record({
        kind: "session_end",
        id: this.id,
        endedAt: Date.now(),
        reason,
        inputAudioMs: this.stats.inputAudioMs,
        outputAudioMs: this.stats.outputAudioMs,
        reconnects: this.stats.reconnects,
        toolCalls: this.tools.calls,
      });
    }
    this.host.ended(this);
  }
}
