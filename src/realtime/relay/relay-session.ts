/**
 * One Realtime session inside the user's Durable Object: the client socket (which may drop and
 * reattach), the upstream socket opened with the provider key, the queue of client events sent
 * before the upstream is ready, the replay buffer, and the session's deadlines.
 *
 * Memory: what the relay buffers itself is bounded per session: the replay buffer (the tenant's
 * `replay_buffer_bytes`, at most 16 MiB; a detached session that outgrows it ends) and the queue of
 * client events (`PendingClientEvents`; an event beyond its bound is refused with `client_queue_full`).
 * workerd cannot tell the relay that a client is not reading: its WebSocket has no `bufferedAmount`
 * and `send()` neither blocks nor fails while the peer is connected, so unread frames wait in workerd's
 * own outgoing queue (measured: 50 MiB queued to a paused Node client, all delivered once it read
 * again). A client that acknowledges what it has read (`edgegate.ack` events) can be told apart: its
 * unread events are never evicted, and once they outgrow half the replay buffer it is disconnected
 * with `client_too_slow` and may reattach to resume from its last acknowledged event.
 *
 * Sockets: both are accepted in memory and read with `addEventListener`, not the WebSocket Hibernation
 * API. Hibernation would hand the object client frames without a `MessageEvent` (in a trial relay it
 * shortened the longest young-generation collections from 12 to 7 ms), but frames from the provider
 * always arrive as events, so it cannot remove the garbage-collection stalls measured in
 * docs/benchmarks.md; and under `@cloudflare/vitest-pool-workers` each `webSocketMessage` call is
 * wrapped in an `await` of the module import, which delivered a new socket's first frames out of order
 * (`two, one, three` in one of four runs; never in 260 trials on plain workerd), so the relay's
 * ordering tests could no longer be trusted. An outbound socket keeps the object in memory anyway.
 * @see https://github.com/cloudflare/workerd/issues/988
 * @see https://developers.cloudflare.com/durable-objects/best-practices/websockets/
 */
import type { Bindings } from "../../platform/env";
import type { DailyLedger } from "../policy/daily-ledger";
import { initialSessionUpdate } from "../policy/enforce-session-config";
import type { RealtimePolicy } from "../policy/realtime-policy";
import { SessionRecorder } from "../records/session-recorder";
import type { RealtimeRecord } from "../records/session-records";
import { ServerToolRunner } from "../tools/server-tool-runner";
import { type ClientEventHost, onClientFrame } from "./client-events";
import { frameEventId } from "./frame";
import {
  CLOSE,
  errorEvent,
  GATEWAY_EVENT_ID_PREFIX,
  type GatewayEventError,
  safeClose,
  safeSend,
} from "./gateway-events";
import { PendingClientEvents } from "./pending-client-events";
import { ReplayBuffer } from "./replay-buffer";
import { onServerFrame, type ServerEventHost, type SessionDescription } from "./server-events";
import { type Ending, endings, hangsUpCall } from "./session-endings";
import { hangUpCall, isRefusal, openUpstream, type UpstreamTarget } from "./upstream-socket";

/** What a session needs from the Durable Object that holds it. */
export interface RelayHost {
  readonly bindings: Bindings;
  readonly ledger: DailyLedger;
  record(record: RealtimeRecord): void;
  /** The session got or lost a deadline: recompute the alarm. */
  deadlinesChanged(): void;
  started(session: RelaySession): void;
  ended(session: RelaySession): void;
}

type Phase = "connecting" | "open" | "ended";

export class RelaySession implements ServerEventHost, ClientEventHost {
  /** The upstream session id (`session.created`), the id clients reattach with. */
  id: string | null = null;
  phase: Phase = "connecting";
  client: WebSocket | null;
  upstream: WebSocket | null = null;
  readonly startedAt = Date.now();
  readonly endsAt: number;
  graceDeadline: number | null = null;
  /**
   * The key of the credential the session is held with: the one it was opened with, then the one of
   * its latest reattach. The object ends the session once its key is revoked (`CredentialWatch`). An end-user
   * token's `exp` bounds when a session may start or reattach, not how long it lasts (as a client
   * secret's does at the provider): `max_session_seconds` does that.
   */
  credentialKeyId: string;
  /** Why the session ended (`end_reason` in D1), once it has. */
  endReason: string | null = null;
  readonly replay: ReplayBuffer;
  readonly tools: ServerToolRunner;
  readonly recorder: SessionRecorder;
  /** Bytes per millisecond of the session's audio formats (PCM16 at 24 kHz by default). */
  readonly audioBytesPerMs = { input: 48, output: 48 };
  readonly stats = { inputAudioMs: 0, outputAudioMs: 0, reconnects: 0 };
  private readonly pending = new PendingClientEvents();

  constructor(
    readonly host: RelayHost,
    readonly policy: RealtimePolicy,
    readonly target: UpstreamTarget,
    client: WebSocket | null,
    /**
     * Gateway events the client asked for (`?edgegate_events=tool_calls`), and the request id of the
     * client's upgrade (or call set-up), which the upstream handshakes and the call's hang-up carry.
     */
    readonly options: { toolCallEvents: boolean; requestId?: string } = { toolCallEvents: false },
  ) {
    this.client = client;
    this.endsAt = this.startedAt + policy.maxSessionSeconds * 1000;
    this.credentialKeyId = policy.keyId;
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
      holdsClientContinuation: () => this.pending.holding,
      releaseClientContinuation: () => {
        this.pending.holding = false;
        this.flushQueue();
      },
      called: (itemId, outcome) => this.recorder.toolCall(itemId, outcome),
      notify: (notice) => {
        if (this.options.toolCallEvents) this.deliver(JSON.stringify(notice), notice.event_id);
      },
    });
  }

  /**
   * Starts relaying: listens to the client and opens the upstream in the background. A WebRTC call's
   * sideband has no client (the media and events go to the caller directly) and is known by its call id.
   */
  start(): Promise<void> {
    if (this.client) this.listenToClient(this.client);
    if (this.target.kind === "call") {
      this.onSessionCreated(this.target.callId, {
        instructions: null,
        voice: null,
        model: this.target.model,
      });
    }
    return this.connect();
  }

  /** Dropped by its client and held for a reattach until `graceDeadline`. */
  get detached(): boolean {
    return this.phase !== "ended" && this.client === null && this.graceDeadline !== null;
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
    const result = await openUpstream(this.host.bindings, this.target, this.options.requestId);
    if (this.phase === "ended") {
      if (!isRefusal(result)) safeClose(result, CLOSE.normal, "session ended");
      return;
    }
    if (isRefusal(result)) {
      this.end(endings.upstreamRefused(result));
      return;
    }
    this.upstream = result;
    result.addEventListener("message", (event) => {
      if (this.phase !== "ended") onServerFrame(this, event.data);
    });
    result.addEventListener("close", (event) => this.onUpstreamGone(event.code, event.reason));
    result.addEventListener("error", () => this.onUpstreamGone(1006, "error"));
    this.phase = "open";
    const initial = this.target.kind === "realtime" ? initialSessionUpdate(this.policy) : null;
    if (initial !== null) safeSend(result, initial);
    this.flushQueue();
  }

  /** The gateway's own events (tool outputs and continuations) for the open upstream. */
  sendUpstream(frame: string): void {
    if (this.phase === "open") safeSend(this.upstream, frame);
  }

  /**
   * A client event: sent upstream at once, or queued in order while the upstream connects or while a
   * `response.create` waits for the outputs of server tool calls (so it cannot overtake them).
   */
  fromClient(frame: string, type: string): void {
    if (this.phase === "ended") return;
    if (this.phase === "open" && !this.pending.holding) {
      if (type !== "response.create" || !this.tools.continuationPending) {
        safeSend(this.upstream, frame);
        return;
      }
      this.pending.holding = true;
    }
    const refused = this.pending.push(frame);
    if (refused !== null) this.clientError({ code: "client_queue_full", message: refused });
  }

  private flushQueue(): void {
    for (const frame of this.pending.take()) safeSend(this.upstream, frame);
  }

  /** Delivers a server event to the client and keeps it for replay. */
  deliver(frame: string, eventId: string | null): void {
    if (this.phase === "ended" || this.target.kind === "call") return;
    if (!this.replay.push(eventId, frame)) {
      this.end(endings.replayOverflow());
      return;
    }
    if ((this.replay.unacknowledged ?? 0) > this.slowClientBytes) {
      this.dropSlowClient();
      return;
    }
    if (this.client) safeSend(this.client, frame);
  }

  /** A gateway `error` event for the client (kept for replay like any server event). */
  clientError(error: GatewayEventError): void {
    const frame = errorEvent(error);
    this.deliver(frame, frameEventId(frame, "error"));
  }

  /**
   * How far behind an acknowledging client may fall: half the replay buffer, so what it has not read
   * is all still buffered when it is disconnected, with room for what comes while it reconnects.
   */
  private get slowClientBytes(): number {
    return this.policy.replayBufferBytes / 2;
  }

  /**
   * `edgegate.ack`: the client has read every server event up to `eventId`. From its first ack on, a
   * client that falls further behind than `slowClientBytes` is disconnected (`dropSlowClient`).
   */
  acknowledge(eventId: string | null, clientEventId: string | null): void {
    if (eventId !== null && this.replay.acknowledge(eventId)) return;
    // The gateway's own notices that are not kept for replay (`replay_incomplete`) move nothing.
    if (eventId?.startsWith(GATEWAY_EVENT_ID_PREFIX)) return;
    this.clientError({
      code: "invalid_ack",
      message:
        eventId === null
          ? "An edgegate.ack event needs 'last_event_id': the event_id of the last server event the client has read."
          : `No server event '${eventId}' is buffered for this session: acknowledge the event_id of a server event this connection received.`,
      param: "last_event_id",
      clientEventId,
    });
  }

  /**
   * The client acknowledged too little of what it was sent: tells it why and disconnects it like a
   * dropped socket, so it can reattach with its last acknowledged event and miss nothing the buffer kept.
   */
  private dropSlowClient(): void {
    const ws = this.client;
    if (ws === null) return;
    const behind = this.replay.unacknowledged ?? 0;
    const resumable = this.policy.graceSeconds > 0 && this.id !== null;
    safeSend(
      ws,
      errorEvent({
        code: "client_too_slow",
        message: `The client has not acknowledged ${behind} bytes of server events, more than ${this.slowClientBytes} (half of this session's replay buffer). ${
          resumable
            ? `Read events faster; reconnect within ${this.policy.graceSeconds} s with session_id and last_event_id to resume without missing any.`
            : "The session has ended: it cannot be resumed."
        }`,
      }),
    );
    safeClose(ws, CLOSE.policy, "client too slow");
    this.clientGone(ws, endings.clientTooSlow());
  }

  /** Upstream binary frames (not part of the protocol) pass through, unbuffered. */
  deliverBinary(data: ArrayBuffer): void {
    if (this.client) safeSend(this.client, data);
  }

  /** Counts streamed audio towards the user's daily usage. */
  addAudio(direction: "input" | "output", bytes: number): void {
    const ms = bytes / this.audioBytesPerMs[direction];
    if (direction === "input") this.stats.inputAudioMs += ms;
    else this.stats.outputAudioMs += ms;
    this.host.ledger.addAudioMs(ms, Date.now());
  }

  addTokens(tokens: number): void {
    this.host.ledger.addTokens(tokens, Date.now());
  }

  /**
   * Ends the session with an `error` event and close 1008 once the user's daily quota is used up.
   * Called after the frame that used it up was relayed.
   */
  enforceQuota(): void {
    if (this.policy.dailyAudioSeconds === null && this.policy.dailyTokens === null) return;
    if (this.phase === "ended") return;
    const exceeded = this.host.ledger.exceeded(this.policy, Date.now());
    if (exceeded === null) return;
    this.end(endings.quota(exceeded, this.policy));
  }

  /**
   * The upstream announced the session: it can now be resumed and recorded. A transcription
   * session's model is its transcription model, once one is configured.
   */
  onSessionCreated(id: string, config: SessionDescription): void {
    if (this.id !== null) return;
    this.id = id;
    const { instructions, voice } = config;
    this.host.record({
      kind: "session_start",
      id,
      tenantId: this.policy.tenantId,
      userId: this.policy.userId,
      keyId: this.policy.keyId,
      model: this.target.kind === "transcription" ? (config.model ?? "") : this.target.model,
      type: this.target.kind === "transcription" ? "transcription" : "realtime",
      startedAt: this.startedAt,
      instructions,
      voice,
    });
    this.host.started(this);
  }

  /** The session's config changed (`session.updated`): recorded once the session has an id. */
  recordSessionConfig(config: SessionDescription): void {
    if (this.id !== null) this.host.record({ kind: "session_config", id: this.id, ...config });
  }

  /**
   * A new client socket takes the session over and receives what it missed, in order. From now on the
   * session is held with the key of the credential it reattached with (`keyId`, resolved for this
   * upgrade): that key's revocation ends it.
   */
  attach(ws: WebSocket, lastEventId: string | null, keyId: string): void {
    const previous = this.client;
    this.client = ws;
    this.credentialKeyId = keyId;
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
    safeClose(ws, code, "");
    // 1000/1005 is a client that meant to leave; anything else may be a network change.
    if (code === 1000 || code === 1005) this.clientGone(ws, endings.clientClosed(), false);
    else this.clientGone(ws, endings.clientDropped());
  }

  /**
   * The client socket is gone: the session waits for a reattach (if it may and can be resumed), keeping
   * what the client has not read, or ends with `ending`.
   */
  private clientGone(ws: WebSocket, ending: Ending, resumable = true): void {
    if (this.client !== ws || this.phase === "ended") return;
    this.client = null;
    if (!resumable || this.policy.graceSeconds === 0 || this.id === null) {
      this.end(ending);
      return;
    }
    this.replay.detach();
    this.graceDeadline = Date.now() + this.policy.graceSeconds * 1000;
    this.host.deadlinesChanged();
  }

  private onUpstreamGone(code: number, reason: string): void {
    this.end(endings.upstreamGone(code, reason));
  }

  /** Ends the session at a deadline (the alarm calls this). */
  tick(now: number): void {
    if (this.phase === "ended") return;
    if (now >= this.endsAt) this.end(endings.maxDuration(this.policy));
    else if (this.graceDeadline !== null && now >= this.graceDeadline) this.end(endings.graceExpired());
  }

  /** Ends the session: tells the client why, closes both sockets and records the end. */
  end(ending: Ending): void {
    if (this.phase === "ended") return;
    this.phase = "ended";
    this.endReason = ending.reason;
    if (ending.error && this.client) safeSend(this.client, errorEvent(ending.error));
    safeClose(this.client, ending.closeCode, ending.closeReason);
    safeClose(this.upstream, CLOSE.normal, "session ended");
    // The gateway ended a call (its length, a quota, its credential) or lost its sideband: the
    // caller's connection must end too, or it would run on with no limits, tools or records.
    if (this.target.kind === "call" && hangsUpCall(ending)) {
      void hangUpCall(this.host.bindings, this.target.callId, this.options.requestId);
    }
    this.client = null;
    this.upstream = null;
    this.pending.clear();
    this.replay.clear();
    if (this.id !== null) {
      this.host.record({
        kind: "session_end",
        id: this.id,
        endedAt: Date.now(),
        reason: ending.reason,
        inputAudioMs: this.stats.inputAudioMs,
        outputAudioMs: this.stats.outputAudioMs,
        reconnects: this.stats.reconnects,
        toolCalls: this.tools.calls,
      });
    }
    this.host.ended(this);
  }
}
