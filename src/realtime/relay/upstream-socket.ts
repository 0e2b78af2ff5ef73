/**
 * Opens the upstream Realtime WebSocket with the provider key. Workers cannot `fetch("wss://…")`,
 * so the handshake is an HTTP(S) `fetch` with `Upgrade: websocket`; the GA protocol is spoken, so
 * no `OpenAI-Beta` header is sent.
 * @see https://developers.cloudflare.com/workers/examples/websockets/#write-a-websocket-client
 * @see docs/openai-reference.md A.1, A.2
 */
import type { Bindings } from "../../platform/env";
import { callUpstream } from "../../upstream";

/**
 * What a session connects to: a model, a transcription-only session (`?intent=transcription`), or
 * the sideband of a WebRTC call the gateway set up (`?call_id=`).
 */
export type UpstreamTarget =
  | { kind: "realtime"; model: string }
  | { kind: "transcription" }
  | { kind: "call"; callId: string; model: string };

function targetQuery(target: UpstreamTarget): string {
  if (target.kind === "transcription") return "intent=transcription";
  if (target.kind === "call") return `call_id=${encodeURIComponent(target.callId)}`;
  return `model=${encodeURIComponent(target.model)}`;
}

export interface UpstreamRefusal {
  /** HTTP status of the refused handshake; 0 when the upstream could not be reached at all. */
  status: number;
  code: string;
  message: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function connectTimeoutMs(env: Bindings): number {
  const configured = Number(env.UPSTREAM_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0
    ? Math.min(configured, DEFAULT_CONNECT_TIMEOUT_MS)
    : DEFAULT_CONNECT_TIMEOUT_MS;
}

/** The upstream's error body, when the refused handshake carried OpenAI's JSON error. */
async function refusalOf(res: Response): Promise<UpstreamRefusal> {
  let message = `The upstream Realtime API refused the connection (HTTP ${res.status}).`;
  let code = "upstream_refused";
  try {
    const body = (await res.json()) as { error?: { message?: unknown; code?: unknown } };
    if (typeof body.error?.message === "string") message = `Upstream: ${body.error.message}`;
    if (typeof body.error?.code === "string") code = body.error.code;
  } catch {
    // Not JSON: keep the generic message.
  }
  return { status: res.status, code, message };
}

/**
 * Opens and accepts the upstream socket for `target`, or says why it could not. The handshake carries
 * the request id of the client's upgrade, as every other upstream call carries its request's.
 */
export async function openUpstream(
  env: Bindings,
  target: UpstreamTarget,
  requestId: string = newRequestId(),
): Promise<WebSocket | UpstreamRefusal> {
  const base = env.OPENAI_BASE_URL.replace(/\/+$/, "");
  const url = `${base}/realtime?${targetQuery(target)}`;
  const timeoutMs = connectTimeoutMs(env);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(url, {
      headers: {
        upgrade: "websocket",
        authorization: `Bearer ${env.OPENAI_API_KEY ?? ""}`,
        "x-request-id": requestId,
      },
      signal: controller.signal,
    });
    const ws = res.webSocket;
    if (res.status !== 101 || ws === null) return await refusalOf(res);
    ws.accept();
    return ws;
  } catch (err) {
    const reason = controller.signal.aborted
      ? `no answer within ${timeoutMs} ms`
      : err instanceof Error
        ? err.message
        : String(err);
    return {
      status: 0,
      code: "upstream_unreachable",
      message: `The upstream Realtime API could not be reached (${reason}).`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** An id for an upstream call the gateway makes on its own (no client request behind it). */
function newRequestId(): string {
  return `req_gw_${crypto.randomUUID().replaceAll("-", "")}`;
}

export function isRefusal(value: WebSocket | UpstreamRefusal): value is UpstreamRefusal {
  return "status" in value && "code" in value;
}

/**
 * Ends a WebRTC call at the provider (`POST /realtime/calls/{id}/hangup`): closing the sideband
 * alone would leave the call, and its bill, running. Never throws.
 * @see docs/openai-reference.md A.1, A.4
 */
export async function hangUpCall(
  env: Bindings,
  callId: string,
  requestId: string = newRequestId(),
): Promise<void> {
  try {
    const res = await callUpstream(env, {
      method: "POST",
      path: `/realtime/calls/${encodeURIComponent(callId)}/hangup`,
      requestId,
      headers: { accept: "*/*" },
    });
    await res.body?.cancel();
  } catch {
    // The call may be over already; nothing else to do.
  }
}
