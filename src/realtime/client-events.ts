/**
 * Client → upstream. Every frame's `type` is found by a prefix scan; audio appends are only
 * measured (for the audio quota) and forwarded as they are; `session.update` and `response.create`
 * are parsed to apply the tenant's policy. Unknown types pass through: the protocol grows.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events
 */
import { base64AudioBytes, diagnoseFrame, frameType, parseEvent, topLevelString } from "./frame";
import type { RelaySession } from "./relay-session";
import {
  applyToResponseCreate,
  applyToSessionUpdate,
  type PolicyViolation,
  responseCreateNeedsPolicy,
} from "./session-policy";

/** Largest client frame accepted (the API's 15 MiB audio limit is about 20 MiB of base64 JSON, but
 * the gateway's bound is 16 MiB per frame). */
export const MAX_CLIENT_FRAME_CHARS = 16 * 1024 * 1024;

/**
 * A client event only the gateway reads: `{"type":"edgegate.ack","last_event_id":"…"}` says the client
 * has read the server events up to that one (see `RelaySession.acknowledge`).
 */
export const ACK_EVENT = "edgegate.ack";

type Apply = (policy: RelaySession["policy"], event: Record<string, unknown>) => PolicyViolation | null;

/** Re-serialises a policy-governed event, or reports why it was refused (then null). */
function withPolicy(session: RelaySession, frame: string, apply: Apply): string | null {
  const event = parseEvent(frame);
  if (event === null) {
    session.clientError({ code: "invalid_json", message: "The client event is not a valid JSON object." });
    return null;
  }
  const violation = apply(session.policy, event);
  if (violation) {
    session.clientError({
      code: violation.code,
      message: violation.message,
      param: violation.param,
      clientEventId: typeof event.event_id === "string" ? event.event_id : null,
    });
    return null;
  }
  return JSON.stringify(event);
}

function refuse(session: RelaySession, code: string, message: string, frame: string | null): void {
  const clientEventId = frame !== null && frame.length < 4096 ? topLevelString(frame, "event_id") : null;
  session.clientError({ code, message, clientEventId });
}

/** Handles one client frame; never throws, and never ends the session for a bad frame. */
export function onClientFrame(session: RelaySession, data: string | ArrayBuffer): void {
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
  let type = frameType(data);
  if (type === null) {
    const diagnosis = diagnoseFrame(data);
    if ("code" in diagnosis) {
      refuse(session, diagnosis.code, diagnosis.message, data);
      return;
    }
    type = diagnosis.type;
  }
  if (type === ACK_EVENT) {
    // The gateway's own event: never forwarded (the provider would refuse an unknown type).
    session.acknowledge(topLevelString(data, "last_event_id"), topLevelString(data, "event_id"));
    return;
  }
  let frame: string | null = data;
  if (type === "input_audio_buffer.append") {
    session.addAudio("input", base64AudioBytes(data, "audio"));
  } else if (type === "session.update") {
    frame = withPolicy(session, data, applyToSessionUpdate);
  } else if (type === "response.create" && responseCreateNeedsPolicy(session.policy, data)) {
    frame = withPolicy(session, data, applyToResponseCreate);
  }
  if (frame !== null) session.fromClient(frame, type);
  session.enforceQuota();
}
