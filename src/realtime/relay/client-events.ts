/**
 * Client → upstream. Plain audio appends (a strict layout check, no parse) are only measured (for the
 * audio quota) and forwarded as they are; every other event is parsed, the tenant's policy applied
 * to `session.update`, `transcription_session.update` and `response.create`, the conversation items
 * a client adds or names checked (../policy/client-items.ts), and re-serialised.
 * Unknown types pass through (re-serialised): the protocol grows.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events
 */

import { checkClientItems, itemAudioBytes, type ServerCalls } from "../policy/client-items";
import {
  applyToResponseCreate,
  applyToSessionUpdate,
  applyToTranscriptionSessionUpdate,
  type PolicyViolation,
} from "../policy/enforce-session-config";
import type { RealtimePolicy } from "../policy/realtime-policy";
import { base64StringBytes, classifyClientFrame } from "./frame";
import type { GatewayEventError } from "./gateway-events";

/** Largest client frame accepted (the API's 15 MiB audio limit is about 20 MiB of base64 JSON, but
 * the gateway's bound is 16 MiB per frame). */
export const MAX_CLIENT_FRAME_CHARS = 16 * 1024 * 1024;

/**
 * A client event only the gateway reads: `{"type":"edgegate.ack","last_event_id":"…"}` says the client
 * has read the server events up to that one (see `RelaySession.acknowledge`).
 */
export const ACK_EVENT = "edgegate.ack";

/**
 * What the client-event handlers need from their session (`RelaySession` implements it): the
 * tenant's policy and its server-side tool calls, the way upstream, acknowledgements, error events,
 * and audio counting.
 */
export interface ClientEventHost {
  readonly policy: RealtimePolicy;
  readonly tools: ServerCalls;
  /** Sends a client event upstream, or queues it in order until it may go. */
  fromClient(frame: string, type: string): void;
  /** `edgegate.ack`: the client has read the server events up to `eventId`. */
  acknowledge(eventId: string | null, clientEventId: string | null): void;
  /** A gateway `error` event for the client. */
  clientError(error: GatewayEventError): void;
  addAudio(direction: "input", bytes: number): void;
  /** Ends the session once the user's daily quota is used up. */
  enforceQuota(): void;
}

type Apply = (policy: RealtimePolicy, event: Record<string, unknown>) => PolicyViolation | null;

/** Policy for the events that configure a session or a response; others are only re-serialised. */
const POLICED: Record<string, Apply> = {
  "session.update": applyToSessionUpdate,
  // The legacy name still updates a (transcription) session upstream: the same policy applies.
  "transcription_session.update": applyToTranscriptionSessionUpdate,
  "response.create": applyToResponseCreate,
};

function refuse(session: ClientEventHost, code: string, message: string, clientEventId: string | null): void {
  session.clientError({ code, message, clientEventId });
}

/**
 * Handles one client frame; never throws, and never ends the session for a bad frame. A plain audio
 * append is forwarded as it is; every other event is parsed, has the tenant's policy applied to the
 * parsed object and is forwarded as `JSON.stringify` of that object, so what the gateway checked is
 * exactly what the provider reads (no duplicate keys, escapes or whitespace tricks survive).
 */
export function onClientFrame(session: ClientEventHost, data: string | ArrayBuffer): void {
  if (typeof data !== "string") {
    refuse(
      session,
      "binary_frame_not_supported",
      "Binary frames are not supported: send client events as JSON text frames.",
      null,
    );
    return;
  }
  if (data.length > MAX_CLIENT_FRAME_CHARS) {
    refuse(
      session,
      "frame_too_large",
      `The client event is ${data.length} bytes; the gateway accepts frames up to ${MAX_CLIENT_FRAME_CHARS} bytes (16 MiB). Split audio into smaller input_audio_buffer.append events.`,
      null,
    );
    return;
  }
  const parsed = classifyClientFrame(data);
  if (parsed.kind === "append") {
    session.addAudio("input", parsed.audioBytes);
    session.fromClient(data, "input_audio_buffer.append");
    session.enforceQuota();
    return;
  }
  if (parsed.kind === "invalid") {
    refuse(session, parsed.code, parsed.message, parsed.clientEventId);
    return;
  }
  const { type, event } = parsed;
  const clientEventId = typeof event.event_id === "string" ? event.event_id : null;
  if (type === ACK_EVENT) {
    // The gateway's own event: never forwarded (the provider would refuse an unknown type).
    const last = typeof event.last_event_id === "string" ? event.last_event_id : null;
    session.acknowledge(last, clientEventId);
    return;
  }
  const violation =
    POLICED[type]?.(session.policy, event) ?? checkClientItems(session.policy, session.tools, type, event);
  if (violation) {
    session.clientError({
      code: violation.code,
      message: violation.message,
      param: violation.param,
      clientEventId,
    });
    return;
  }
  const audio =
    type === "input_audio_buffer.append" ? base64StringBytes(event.audio) : itemAudioBytes(type, event);
  if (audio > 0) session.addAudio("input", audio);
  session.fromClient(JSON.stringify(event), type);
  session.enforceQuota();
}
