/**
 * The simulator's Realtime GA WebSocket endpoint (`GET /v1/realtime`). The HTTP server hands every
 * `upgrade` request to `handleRealtimeUpgrade`; `closeRealtimeConnections(state)` ends the sockets
 * of one simulator when it shuts down.
 * @see https://platform.openai.com/docs/guides/realtime-websocket
 * @see https://platform.openai.com/docs/api-reference/realtime
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { type WebSocket, WebSocketServer } from "ws";
import { callSession, joinCall } from "./realtime-calls";
import { handleClientFrame } from "./realtime-client-events";
import { RealtimeConnection } from "./realtime-connection";
import {
  authenticate,
  faultRejection,
  isBetaHandshake,
  isRejection,
  type RealtimeTarget,
  resolveTarget,
  writeRejection,
} from "./realtime-handshake";
import { createSession, sessionView } from "./realtime-session";
import { applySessionUpdate } from "./realtime-session-update";
import type { SimSession } from "./realtime-types";
import { countRequest, type FaultSpec, type SimState, takeFault } from "./state";

/** Frames up to 32 MiB: a 15 MiB `input_audio_buffer.append` is about 20 MiB of base64 JSON. */
export const REALTIME_MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
/** Pause between streamed chunks of a response unless `config.streamChunkDelayMs` sets one. */
export const REALTIME_CHUNK_DELAY_MS = 3;

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: REALTIME_MAX_PAYLOAD_BYTES,
  // Browsers send ["realtime", "openai-insecure-api-key.<key>"]; the server must echo "realtime".
  handleProtocols: (protocols) => (protocols.has("realtime") ? "realtime" : false),
});

const connectionsByState = new WeakMap<SimState, Set<RealtimeConnection>>();
const allConnections = new Set<RealtimeConnection>();

/** Registers an open connection until it is disposed. */
function track(state: SimState, conn: RealtimeConnection): void {
  const set = connectionsByState.get(state.root) ?? new Set<RealtimeConnection>();
  connectionsByState.set(state.root, set);
  set.add(conn);
  allConnections.add(conn);
  conn.onDispose = () => {
    set.delete(conn);
    allConnections.delete(conn);
  };
}

/** Closes (code 1001) every open Realtime socket of one simulator. */
export function closeRealtimeConnections(state: SimState): void {
  for (const conn of [...(connectionsByState.get(state.root) ?? [])])
    conn.close(1001, "Simulator shutting down");
}

/** Closes (code 1001) every open Realtime socket in this process. */
export function closeAllRealtime(): void {
  for (const conn of [...allConnections]) conn.close(1001, "Simulator shutting down");
}

/** Number of open Realtime sockets of one simulator (for tests and `/__sim` stats). */
export function openRealtimeConnections(state: SimState): number {
  return connectionsByState.get(state.root)?.size ?? 0;
}

/** The session a new connection starts with: GA defaults, then the config of its ephemeral key or call. */
function initialSession(
  state: SimState,
  target: RealtimeTarget,
  stored: Record<string, unknown>,
): SimSession | null {
  const type =
    target.type === "transcription" || stored.type === "transcription" ? "transcription" : "realtime";
  const model = target.model ?? (typeof stored.model === "string" ? stored.model : null);
  if (type === "realtime" && model === null) return null;
  const session = createSession(type, model ?? "gpt-4o-transcribe", state.config.realtimeMaxSessionSeconds);
  // Field by field, so one value the simulator rejects does not discard the rest of the config.
  for (const [key, value] of Object.entries(stored)) {
    applySessionUpdate(session, { type, [key]: value }, { voiceLocked: false, lenient: true });
  }
  if (target.model !== null) session.model = target.model;
  return session;
}

function rejectBeta(ws: WebSocket, session: SimSession): void {
  const conn = new RealtimeConnection(ws, session, { chunkDelayMs: 0 });
  conn.error({
    code: "beta_api_shape_disabled",
    message:
      "The Realtime API beta shape is no longer supported. Remove the 'OpenAI-Beta: realtime=v1' header (or subprotocol) to use the GA interface.",
    param: null,
  });
  conn.close(1000, "beta_api_shape_disabled");
}

function startSession(
  ws: WebSocket,
  state: SimState,
  session: SimSession,
  fault: FaultSpec | undefined,
): RealtimeConnection {
  const conn = new RealtimeConnection(ws, session, {
    chunkDelayMs: state.config.streamChunkDelayMs || REALTIME_CHUNK_DELAY_MS,
    dropAfterEvents: fault?.dropWebSocketAfterEvents,
    ...(fault?.closeWebSocketCode === undefined ? {} : { closeCode: fault.closeWebSocketCode }),
  });
  track(state, conn);
  ws.on("message", (data, isBinary) => handleClientFrame(conn, data, isBinary));
  ws.on("error", () => conn.dispose());
  ws.once("close", () => conn.dispose());
  if (fault?.dropWebSocketAfterEvents === 0) {
    ws.terminate();
    return conn;
  }
  const maxSeconds = state.config.realtimeMaxSessionSeconds;
  conn.schedule(maxSeconds * 1000, () => {
    const message = `Your session hit the maximum duration of ${maxSeconds} seconds.`;
    conn.error({ type: "invalid_request_error", code: "session_expired", message, param: null });
    conn.close(1000, "session_expired");
  });
  conn.send({ type: "session.created", session: sessionView(session) });
  return conn;
}

async function upgrade(state: SimState, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(req.url ?? "/", "http://simulator.invalid");
  countRequest(state, "GET", url.pathname);
  const fault = takeFault(state, `GET ${url.pathname}`);
  if (fault?.refuseConnection) return void socket.destroy();
  if (fault?.latencyMs) await sleep(fault.latencyMs);
  if (socket.destroyed) return;
  if (fault?.errorStatus)
    return writeRejection(socket, faultRejection(fault.errorStatus, fault.retryAfterSeconds));
  const target = resolveTarget(url);
  if (isRejection(target)) return writeRejection(socket, target);
  const credentials = authenticate(state, req);
  if (isRejection(credentials)) return writeRejection(socket, credentials);
  const call = target.callId === undefined ? undefined : callSession(state, target.callId);
  if (call === null) {
    const error = {
      message: `Call '${target.callId}' not found.`,
      type: "invalid_request_error",
      param: "call_id",
      code: "call_not_found",
    };
    return writeRejection(socket, { status: 404, error });
  }
  const session = initialSession(state, target, call ?? credentials.ephemeral?.session ?? {});
  if (session === null) {
    const error = {
      message: "Missing required parameter: 'model'.",
      type: "invalid_request_error",
      param: "model",
      code: "missing_required_parameter",
    };
    return writeRejection(socket, { status: 400, error });
  }
  const beta = isBetaHandshake(req);
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (beta) rejectBeta(ws, session);
    else {
      const conn = startSession(ws, state, session, fault);
      if (target.callId !== undefined) joinCall(state, target.callId, conn);
    }
  });
}

/**
 * Handles one HTTP `upgrade` request: `GET /v1/realtime?model=…` (or `?intent=transcription`)
 * becomes a simulated GA Realtime session; anything else is answered with an OpenAI-style HTTP
 * error and no upgrade. Counts the request as `GET /v1/realtime` and applies injected faults.
 */
export function handleRealtimeUpgrade(
  state: SimState,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  // Until `ws` owns the socket, a client reset must not become an uncaught 'error'.
  socket.on("error", () => socket.destroy());
  upgrade(state, req, socket, head).catch(() => socket.destroy());
}

export { REALTIME_PATH } from "./realtime-handshake";
