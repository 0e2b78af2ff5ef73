import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../src/platform/env";
import { GatewayError } from "../src/platform/errors";
import { log } from "../src/platform/log";
import { migrateSqlSchema, type SqlSchema } from "../src/platform/sql-schema";
import { DailyLedger, LEDGER_DDL, quotaMessage } from "../src/realtime/policy/daily-ledger";
import {
  decodePolicy,
  POLICY_HEADER,
  POLICY_TICKET_HEADER,
  type RealtimePolicy,
  SUBPROTOCOL_HEADER,
} from "../src/realtime/policy/realtime-policy";
import { SECRET_HOLDS_DDL, SecretHolds } from "../src/realtime/policy/secret-holds";
import { LIVE_SESSIONS_CALL_DDL, LiveSessions, OUTBOX_DDL, Outbox } from "../src/realtime/records/outbox";
import type { RealtimeRecord } from "../src/realtime/records/session-records";
import { archiveSessions } from "../src/realtime/records/transcript-archive";
import { CredentialWatch } from "../src/realtime/relay/credential-watch";
import { type RelayHost, RelaySession } from "../src/realtime/relay/relay-session";
import { endings } from "../src/realtime/relay/session-endings";
import { hangUpCall, type UpstreamTarget } from "../src/realtime/relay/upstream-socket";

/** Versioned DDL of the object's SQLite storage; entry i upgrades from version i to i + 1. */
const SCHEMA: SqlSchema = [[LEDGER_DDL, ...OUTBOX_DDL], [SECRET_HOLDS_DDL], [LIVE_SESSIONS_CALL_DDL]];
/** Delay before queued records go to D1, so one batch carries a whole burst of events. */
const FLUSH_DELAY_MS = 1000;
const FLUSH_RETRY_MS = 10_000;
/**
 * While a session is live its sockets keep the object in memory and a timer flushes; the alarm is
 * then only a backstop this long after the flush was due (should the object die first), so a flush
 * costs no alarm writes: locally every storage commit is an fsync on the thread all relays share.
 */
const FLUSH_BACKSTOP_MS = 60_000;
const STAGED_POLICY_TTL_MS = 30_000;

/**
 * One per tenant+user (`getByName(tenant + ":" + user)`): owns that user's Realtime sessions, their
 * sockets and replay buffers, the user's daily usage, and the durable queue of D1 writes. The Worker
 * authenticates and resolves the policy; this object only relays, enforces and records. Sockets are
 * accepted with `accept()`, not the Hibernation API: why is in `src/realtime/relay/relay-session.ts`.
 * @see https://developers.cloudflare.com/durable-objects/best-practices/websockets/
 * @see https://developers.cloudflare.com/durable-objects/api/alarms/
 */
export class RealtimeSession extends DurableObject<Bindings> implements RelayHost {
  private readonly sessions = new Set<RelaySession>();
  readonly ledger: DailyLedger;
  private outbox!: Outbox;
  private live!: LiveSessions;
  private holds!: SecretHolds;
  private alarmAt: number | null = null;
  private flushDueAt: number | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> | null = null;
  private inAlarm = false;
  private readonly staged = new Map<string, { policy: RealtimePolicy; expires: number }>();
  /** Ends live sessions whose key was revoked. */
  private readonly credentials: CredentialWatch;

  get bindings(): Bindings {
    return this.env;
  }

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.ledger = new DailyLedger(ctx.storage.sql);
    this.credentials = new CredentialWatch(env, () => this.sessions);
    void ctx.blockConcurrencyWhile(async () => this.init());
  }

  private init(): void {
    const sql = this.ctx.storage.sql;
    migrateSqlSchema(sql, SCHEMA);
    this.ledger.load(Date.now());
    this.outbox = new Outbox(sql);
    this.live = new LiveSessions(sql);
    this.holds = new SecretHolds(sql);
    // Sessions of a previous incarnation lost their sockets with it. A call's sideband went with them:
    // the call is hung up, or it would run on at the provider with no length limit, tools or quota.
    for (const { id, call } of this.live.takeAll()) {
      this.record({ kind: "session_abandoned", id, at: Date.now() });
      if (call) this.ctx.waitUntil(hangUpCall(this.env, id));
    }
  }

  /** Keeps a policy too large for a header until the upgrade that names its ticket arrives. */
  stagePolicy(policy: RealtimePolicy): string {
    const now = Date.now();
    for (const [ticket, staged] of this.staged) if (staged.expires < now) this.staged.delete(ticket);
    const ticket = crypto.randomUUID();
    this.staged.set(ticket, { policy, expires: now + STAGED_POLICY_TTL_MS });
    return ticket;
  }

  private policyOf(request: Request): RealtimePolicy {
    const inline = request.headers.get(POLICY_HEADER);
    if (inline !== null) return decodePolicy(inline);
    const ticket = request.headers.get(POLICY_TICKET_HEADER) ?? "";
    const staged = this.staged.get(ticket);
    this.staged.delete(ticket);
    if (!staged) {
      throw new GatewayError(503, "The session could not be set up; retry the connection.", {
        type: "server_error",
        code: "session_setup_failed",
      });
    }
    return staged.policy;
  }

  /** The upgrade, forwarded by the Worker with the resolved policy (in a header, or staged). */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const protocol = request.headers.get(SUBPROTOCOL_HEADER);
    const sessionId = url.searchParams.get("session_id");
    try {
      const policy = this.policyOf(request);
      if (sessionId) return this.reattach(policy, sessionId, url.searchParams.get("last_event_id"), protocol);
      const transcription = url.searchParams.get("intent") === "transcription";
      const toolCallEvents = url.searchParams.get("edgegate_events") === "tool_calls";
      return this.open(policy, transcription ? { kind: "transcription" } : null, protocol, {
        toolCallEvents,
        requestId: request.headers.get("x-request-id") ?? undefined,
      });
    } catch (err) {
      if (err instanceof GatewayError) return err.getResponse();
      throw err;
    }
  }

  /**
   * Why the user may not start another session now (the concurrent-session limit or a daily quota),
   * as a 429's code and message; null when a session may start. Also asked by RPC before a WebRTC call.
   * Sessions held for a reattach do not count: a fresh session takes their slot (`makeRoom`), so an
   * app that drops and reconnects without `session_id` is never locked out by its own dropped sessions.
   */
  refusal(policy: RealtimePolicy): { code: string; message: string } | null {
    const active = [...this.sessions].filter((s) => s.phase !== "ended" && !s.detached).length;
    const held = this.holds.count(Date.now());
    if (active + held >= policy.maxConcurrentSessions) {
      const secrets =
        held > 0 ? ` and ${held} unexpired client secrets (each holds a slot until it expires)` : "";
      return {
        code: "too_many_sessions",
        message: `This user already has ${active} Realtime sessions open${secrets}, the tenant's limit is ${policy.maxConcurrentSessions}. Close one (or let a secret expire) first.`,
      };
    }
    const exceeded = this.ledger.exceeded(policy, Date.now());
    return exceeded === null ? null : { code: "quota_exceeded", message: quotaMessage(exceeded, policy) };
  }

  /**
   * Frees one slot for a session about to start (after `refusal` passed): while the user is at the
   * limit, the session dropped longest ago among those held for a reattach ends.
   */
  private makeRoom(policy: RealtimePolicy): void {
    const live = [...this.sessions].filter((s) => s.phase !== "ended");
    const detached = live
      .filter((s) => s.detached)
      .sort((a, b) => (a.graceDeadline ?? 0) - (b.graceDeadline ?? 0));
    let over = live.length + this.holds.count(Date.now()) + 1 - policy.maxConcurrentSessions;
    for (const session of detached) {
      if (over <= 0) break;
      session.end(endings.superseded());
      over--;
    }
  }

  /**
   * Reserves a session slot for a client secret until `expiresAt` (ms), if the user may start another
   * session now; else the 429's code and message. `releaseSecret` gives the slot back.
   */
  holdSecret(
    policy: RealtimePolicy,
    expiresAt: number,
  ): { hold: number; refused: null } | { hold: null; refused: { code: string; message: string } } {
    const refused = this.refusal(policy);
    if (refused) return { hold: null, refused };
    this.makeRoom(policy);
    return { hold: this.holds.add(expiresAt), refused: null };
  }

  releaseSecret(hold: number): void {
    this.holds.release(hold);
  }

  /**
   * Joins a WebRTC call the Worker set up through the gateway (`POST /v1/realtime/calls`): a sideband
   * socket runs its server tools, enforces its length and quotas, and records it.
   */
  async startCall(
    policy: RealtimePolicy,
    callId: string,
    model: string,
    requestId?: string,
  ): Promise<{ joined: boolean; refused: { code: string; message: string } | null }> {
    // Asked again here, where sessions are counted: calls set up in parallel all passed the first check.
    const refused = this.refusal(policy);
    if (refused) return { joined: false, refused };
    this.makeRoom(policy);
    const target = { kind: "call", callId, model } as const;
    const session = new RelaySession(this, policy, target, null, { toolCallEvents: false, requestId });
    this.sessions.add(session);
    this.deadlinesChanged();
    this.credentials.watch();
    await session.start();
    return { joined: session.phase === "open", refused: null };
  }

  /** A new session for `policy.model`, or for the given target (a transcription session). */
  private open(
    policy: RealtimePolicy,
    target: UpstreamTarget | null,
    protocol: string | null,
    options: { toolCallEvents: boolean; requestId?: string },
  ): Response {
    if (!target && !policy.model)
      throw new GatewayError(400, "Missing required parameter: 'model'.", { param: "model" });
    const refused = this.refusal(policy);
    if (refused)
      throw new GatewayError(429, refused.message, { type: "rate_limit_error", code: refused.code });
    this.makeRoom(policy);
    const { 0: client, 1: server } = new WebSocketPair();
    server.accept();
    const session = new RelaySession(
      this,
      policy,
      target ?? { kind: "realtime", model: policy.model ?? "" },
      server,
      options,
    );
    this.sessions.add(session);
    void session.start();
    this.deadlinesChanged();
    this.credentials.watch();
    return upgraded(client, protocol);
  }

  private reattach(policy: RealtimePolicy, id: string, lastEventId: string | null, protocol: string | null) {
    // A WebRTC call's sideband has no client to take over.
    const session = [...this.sessions].find(
      (s) => s.id === id && s.phase !== "ended" && s.target.kind !== "call",
    );
    // The object is per tenant+user already; the policy check keeps that true if names ever collide.
    if (!session || session.policy.tenantId !== policy.tenantId || session.policy.userId !== policy.userId) {
      throw new GatewayError(
        404,
        `No resumable Realtime session '${id}' for this user: it ended, its reconnect grace period passed, or it never existed.`,
        { param: "session_id", code: "session_not_found" },
      );
    }
    const { 0: client, 1: server } = new WebSocketPair();
    server.accept();
    session.attach(server, lastEventId, policy.keyId);
    return upgraded(client, protocol);
  }

  record(record: RealtimeRecord): void {
    this.outbox.add(record);
    if (this.flushDueAt === null) this.flushAt(Date.now() + FLUSH_DELAY_MS);
  }

  /** Flushes at `due` (or earlier, if already due earlier): by timer while a session is live, else by alarm. */
  private flushAt(due: number): void {
    if (this.flushDueAt !== null && this.flushDueAt <= due && this.flushTimer !== null) return;
    this.flushDueAt = Math.min(due, this.flushDueAt ?? due);
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.sessions.size > 0) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        void this.flushNow();
      }, this.flushDueAt - Date.now());
    }
    this.schedule();
  }

  private async flushNow(): Promise<void> {
    await this.flush(Date.now());
    if (this.flushDueAt !== null) this.flushAt(this.flushDueAt);
    else this.schedule();
  }

  started(session: RelaySession): void {
    if (session.id !== null) this.live.add(session.id, session.startedAt, session.target.kind === "call");
  }

  ended(session: RelaySession): void {
    this.sessions.delete(session);
    if (session.id !== null) this.live.remove(session.id);
    log(this.env, "info", "realtime session ended", {
      tenant: session.policy.tenantId,
      user: session.policy.userId,
      session_id: session.id,
      reason: session.endReason,
      duration_ms: Date.now() - session.startedAt,
    });
    this.flushAt(Date.now());
  }

  deadlinesChanged(): void {
    this.schedule();
  }

  /** One alarm for every deadline: session lengths, reconnect grace periods and the next D1 flush. */
  private schedule(): void {
    if (this.inAlarm) return;
    let next = Number.POSITIVE_INFINITY;
    for (const session of this.sessions) next = Math.min(next, session.deadline);
    if (this.flushDueAt !== null && (this.outbox.pending > 0 || this.ledger.dirty)) {
      next = Math.min(next, this.flushDueAt + (this.flushTimer === null ? 0 : FLUSH_BACKSTOP_MS));
    }
    if (next === Number.POSITIVE_INFINITY || (this.alarmAt !== null && this.alarmAt <= next)) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }

  override async alarm(): Promise<void> {
    this.inAlarm = true;
    this.alarmAt = null;
    const now = Date.now();
    try {
      for (const session of [...this.sessions]) session.tick(now);
      this.ledger.save();
      if (this.flushDueAt !== null && this.flushDueAt <= now) await this.flush(now);
      if (this.flushDueAt !== null && this.sessions.size > 0) this.flushAt(this.flushDueAt);
    } finally {
      this.inAlarm = false;
      this.schedule();
    }
  }

  /** Sends the queued records to D1 (one flush at a time: the timer and the alarm may meet). */
  private flush(now: number): Promise<void> {
    this.flushing ??= this.sendRecords(now).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async sendRecords(now: number): Promise<void> {
    try {
      const ended = await this.outbox.flush(this.env.DB);
      // In the same turn as the outbox's last delete: one storage commit for both.
      this.ledger.save();
      this.flushDueAt = this.outbox.pending > 0 ? now + FLUSH_DELAY_MS : null;
      // Ended transcripts move to R2 now; one that fails here is left to the cron's sweep.
      await archiveSessions(this.env, ended).catch((err: unknown) =>
        log(this.env, "warn", "realtime transcripts not archived, the sweep will", { error: String(err) }),
      );
    } catch (err) {
      log(this.env, "error", "realtime records not written to D1, will retry", { error: String(err) });
      this.flushDueAt = now + FLUSH_RETRY_MS;
    }
  }
}

function upgraded(client: WebSocket, protocol: string | null): Response {
  const headers: Record<string, string> = protocol ? { "sec-websocket-protocol": protocol } : {};
  return new Response(null, { status: 101, webSocket: client, headers });
}
