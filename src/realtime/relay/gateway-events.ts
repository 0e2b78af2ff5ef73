/**
 * Events and close codes the gateway itself produces on a Realtime socket. Errors use the API's
 * `error` event shape so SDKs surface them like upstream errors.
 * @see docs/openai-reference.md A.5
 */

/** Close codes the gateway sends (RFC 6455 §7.4.1). */
export const CLOSE = {
  normal: 1000,
  /** The gateway or the upstream failed. */
  internalError: 1011,
  /** The tenant's policy ended the session (quota). */
  policy: 1008,
  /** The upstream refused or dropped the connection. */
  badGateway: 1014,
  /** The upstream is rate limiting or overloaded: retry later. */
  tryAgainLater: 1013,
} as const;

/** Codes that exist only locally and can never be sent in a close frame. */
const RESERVED = new Set([1004, 1005, 1006, 1015]);

/** A sendable close code for `code`: reserved and out-of-range codes become 1000 (or 1011). */
export function sendableCloseCode(code: number, fallback = 1000): number {
  if (RESERVED.has(code)) return fallback;
  if ((code >= 1000 && code <= 1014) || (code >= 3000 && code <= 4999)) return code;
  return fallback;
}

/** Closes a socket without throwing (it may already be closed); the reason is cut to 123 bytes. */
export function safeClose(ws: WebSocket | null, code: number, reason: string): void {
  if (!ws) return;
  try {
    ws.close(sendableCloseCode(code), reason.slice(0, 120));
  } catch {
    // Already closed or closing.
  }
}

/** Sends without throwing on a socket that closed in the meantime; false when it failed. */
export function safeSend(ws: WebSocket | null, frame: string | ArrayBuffer): boolean {
  if (!ws) return false;
  try {
    ws.send(frame);
    return true;
  } catch {
    return false;
  }
}

export interface GatewayEventError {
  code: string;
  message: string;
  type?: string;
  param?: string | null;
  /** The client event this error is about. */
  clientEventId?: string | null;
}

/** How the `event_id` of every event the gateway itself produces starts. */
export const GATEWAY_EVENT_ID_PREFIX = "event_gw";

/** An `error` server event from the gateway, with an `event_id` of its own. */
export function errorEvent(error: GatewayEventError): string {
  return JSON.stringify({
    type: "error",
    event_id: `${GATEWAY_EVENT_ID_PREFIX}${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
    error: {
      type: error.type ?? "invalid_request_error",
      code: error.code,
      message: error.message,
      param: error.param ?? null,
      event_id: error.clientEventId ?? null,
    },
  });
}
