/**
 * The HTTP half of a Realtime WebSocket handshake: URL target (`?model=` or
 * `?intent=transcription`), credentials (Bearer header, `api-key`, or the browser subprotocol
 * `openai-insecure-api-key.<key>`), ephemeral `ek_` keys, and OpenAI-shaped HTTP errors.
 * @see https://platform.openai.com/docs/guides/realtime-websocket
 */
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { isRealtimeModel } from "./realtime-session";
import { newId } from "./realtime-types";
import type { EphemeralKey, SimState } from "./state";

export const REALTIME_PATH = "/v1/realtime";
const KEY_PROTOCOL_PREFIX = "openai-insecure-api-key.";
const BETA_PROTOCOL = "openai-beta.realtime-v1";

export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface HandshakeRejection {
  status: number;
  error: OpenAIErrorBody;
  headers?: Record<string, string>;
}

export interface RealtimeTarget {
  type: "realtime" | "transcription";
  model: string | null;
  /** A sideband connection to this WebRTC call (`?call_id=`). */
  callId?: string;
}

export interface Credentials {
  key: string;
  /** Set when the key is an `ek_…` client secret; its session config applies to the session. */
  ephemeral: EphemeralKey | null;
}

function reject(
  status: number,
  message: string,
  code: string | null,
  param: string | null = null,
): HandshakeRejection {
  return { status, error: { message, type: "invalid_request_error", param, code } };
}

export function isRejection(value: unknown): value is HandshakeRejection {
  return typeof value === "object" && value !== null && "status" in value && "error" in value;
}

/** `?model=<realtime model>`, `?intent=transcription` or `?call_id=rtc_…`; any other path is a 404. */
export function resolveTarget(url: URL): RealtimeTarget | HandshakeRejection {
  if (url.pathname !== REALTIME_PATH) return reject(404, `Invalid URL (GET ${url.pathname})`, null);
  if (url.searchParams.get("intent") === "transcription") return { type: "transcription", model: null };
  const callId = url.searchParams.get("call_id");
  if (callId) return { type: "realtime", model: null, callId };
  const model = url.searchParams.get("model");
  if (model === null || model === "") return { type: "realtime", model: null };
  if (!isRealtimeModel(model)) {
    return reject(
      404,
      `The model '${model}' does not exist or you do not have access to it.`,
      "model_not_found",
    );
  }
  return { type: "realtime", model };
}

/** The requested subprotocols (browser clients cannot set headers, so they carry the key). */
export function requestedProtocols(req: IncomingMessage): string[] {
  const header = req.headers["sec-websocket-protocol"];
  return (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

function presentedKey(req: IncomingMessage): string | null {
  const authorization = req.headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) return bearer;
  const azure = req.headers["api-key"];
  if (typeof azure === "string" && azure.length > 0) return azure;
  const fromProtocol = requestedProtocols(req).find((p) => p.startsWith(KEY_PROTOCOL_PREFIX));
  return fromProtocol ? fromProtocol.slice(KEY_PROTOCOL_PREFIX.length) || null : null;
}

function maskKey(key: string): string {
  return key.length <= 8 ? "***" : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

/** `expiresAt` may be unix seconds (as `expires_at` is on the wire) or milliseconds. */
function expiresAtMs(key: EphemeralKey): number {
  return key.expiresAt < 1e12 ? key.expiresAt * 1000 : key.expiresAt;
}

export function authenticate(state: SimState, req: IncomingMessage): Credentials | HandshakeRejection {
  const key = presentedKey(req);
  if (key === null) {
    const message =
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    return { ...reject(401, message, "missing_api_key"), headers: { "www-authenticate": "Bearer" } };
  }
  if (key.startsWith("ek_")) {
    const ephemeral = state.ephemeralKeys.get(key);
    if (!ephemeral) return reject(401, `Incorrect API key provided: ${maskKey(key)}.`, "invalid_api_key");
    if (expiresAtMs(ephemeral) <= Date.now())
      return reject(401, "The ephemeral key has expired.", "invalid_api_key");
    return { key, ephemeral };
  }
  const expected = state.config.apiKey;
  if (expected !== null && key !== expected) {
    const message = `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    return reject(401, message, "invalid_api_key");
  }
  return { key, ephemeral: null };
}

/** The retired beta shape: `OpenAI-Beta: realtime=v1` or the `openai-beta.realtime-v1` subprotocol. */
export function isBetaHandshake(req: IncomingMessage): boolean {
  const header = req.headers["openai-beta"];
  const values = Array.isArray(header) ? header : [header ?? ""];
  return values.some((v) => /realtime=v1/i.test(v)) || requestedProtocols(req).includes(BETA_PROTOCOL);
}

const FAULT_ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory" },
  404: { type: "invalid_request_error", code: "not_found" },
  429: { type: "requests", code: "rate_limit_exceeded" },
};

/** The rejection for an injected `errorStatus` fault. */
export function faultRejection(status: number, retryAfterSeconds?: number): HandshakeRejection {
  const known = FAULT_ERRORS[status] ?? {
    type: status >= 500 ? "server_error" : "invalid_request_error",
    code: null,
  };
  const message = `Simulated error: HTTP ${status} ${STATUS_CODES[status] ?? ""}`.trim();
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) };
  return { status, error: { message, param: null, ...known }, headers };
}

/** Answers the upgrade request with a plain HTTP error (no upgrade) and closes the socket. */
export function writeRejection(socket: Duplex, rejection: HandshakeRejection): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: rejection.error });
  const headers = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "x-request-id": newId("req", 24),
    connection: "close",
    ...rejection.headers,
  };
  const head = [`HTTP/1.1 ${rejection.status} ${STATUS_CODES[rejection.status] ?? "Error"}`];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`, () => socket.destroy());
}
