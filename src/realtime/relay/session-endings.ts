/**
 * Why a session ends, as the client sees it: the `error` event (if any), the close code and the
 * reason recorded in D1. One place, so every ending is consistent.
 * @see docs/openai-reference.md A.5
 */

import { type QuotaKind, quotaMessage } from "../policy/daily-ledger";
import type { RealtimePolicy } from "../policy/realtime-policy";
import { CLOSE, type GatewayEventError } from "./gateway-events";
import type { UpstreamRefusal } from "./upstream-socket";

export interface Ending {
  /** Recorded as the session's `end_reason`. */
  reason: string;
  error?: GatewayEventError;
  closeCode: number;
  closeReason: string;
}

const quiet = (reason: string): Ending => ({ reason, closeCode: CLOSE.normal, closeReason: reason });

export const endings = {
  clientClosed: (): Ending => quiet("client_closed"),
  clientDropped: (): Ending => quiet("client_dropped"),
  /** A client that fell too far behind (`edgegate.ack`) and cannot reattach (no grace period). */
  clientTooSlow: (): Ending => quiet("client_too_slow"),
  graceExpired: (): Ending => quiet("reconnect_grace_expired"),
  replayOverflow: (): Ending => quiet("replay_buffer_overflow"),
  /** A session held for a reattach gave its slot to a fresh session of the same user. */
  superseded: (): Ending => quiet("superseded_by_new_session"),

  upstreamRefused(refusal: UpstreamRefusal): Ending {
    const retryable = refusal.status === 429 || refusal.status === 503;
    const message =
      refusal.status === 401
        ? "The upstream Realtime API refused the gateway's credentials."
        : refusal.message;
    return {
      reason: "upstream_refused",
      error: { type: "server_error", code: refusal.code, message },
      closeCode: retryable ? CLOSE.tryAgainLater : CLOSE.badGateway,
      closeReason: "upstream_unavailable",
    };
  },

  /** The upstream closed: a clean close is passed on (its own `error` event came first). */
  upstreamGone(code: number, reason: string): Ending {
    if (code === CLOSE.normal)
      return { reason: "upstream_closed", closeCode: CLOSE.normal, closeReason: reason || "upstream closed" };
    // Overloaded or rate limiting: the client may start again later, so the code says so (not 1014).
    if (code === CLOSE.tryAgainLater) {
      return {
        reason: "upstream_try_again_later",
        error: {
          type: "server_error",
          code: "upstream_unavailable",
          message:
            "The upstream Realtime API is overloaded or rate limiting (close code 1013). Start a new session after a pause.",
        },
        closeCode: CLOSE.tryAgainLater,
        closeReason: "upstream_unavailable",
      };
    }
    return {
      reason: "upstream_disconnected",
      error: {
        type: "server_error",
        code: "upstream_disconnected",
        message: `The upstream Realtime connection was lost (close code ${code}). Start a new session.`,
      },
      closeCode: CLOSE.badGateway,
      closeReason: "upstream_disconnected",
    };
  },

  maxDuration(policy: RealtimePolicy): Ending {
    return {
      reason: "max_duration",
      error: {
        code: "session_expired",
        message: `Your session hit the maximum duration of ${policy.maxSessionSeconds} seconds set for this tenant.`,
      },
      closeCode: CLOSE.normal,
      closeReason: "session_expired",
    };
  },

  /**
   * The key the session's credential stands for was revoked (for ADMIN_TOKEN acting as the tenant:
   * ADMIN_TOKEN changed): found by the object's periodic check (`CredentialWatch`).
   */
  credentialRevoked(): Ending {
    return {
      reason: "credential_revoked",
      error: {
        code: "credential_revoked",
        message:
          "The API key this session was opened with, or the key that minted its end-user token, has been revoked. Start a new session with a valid credential.",
      },
      closeCode: CLOSE.policy,
      closeReason: "credential_revoked",
    };
  },

  quota(kind: QuotaKind, policy: RealtimePolicy): Ending {
    return {
      reason: `quota_exceeded_${kind}`,
      error: { type: "rate_limit_error", code: "quota_exceeded", message: quotaMessage(kind, policy) },
      closeCode: CLOSE.policy,
      closeReason: "quota_exceeded",
    };
  },
};

/**
 * Whether a WebRTC call is hung up when its sideband session ends this way: always, except when the
 * provider closed the sideband cleanly (the call is over there). Without its sideband nothing runs the
 * call's tools or enforces its length and quotas, and its slot is free, so a call must not outlive it.
 */
export function hangsUpCall(ending: Ending): boolean {
  return ending.reason !== "upstream_closed";
}
