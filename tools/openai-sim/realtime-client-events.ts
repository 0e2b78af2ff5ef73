/**
 * Parses and routes client frames. Bad frames (binary, invalid JSON, unknown `type`, missing
 * fields) produce an `error` event and the socket stays open.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events
 */
import type { RawData } from "ws";
import type { RealtimeConnection } from "./realtime-connection";
import { appendAudio, clearBuffer, commitBuffer } from "./realtime-input";
import { createItem, deleteItem, retrieveItem, truncateItem } from "./realtime-items";
import { cancelResponse, createResponse } from "./realtime-response";
import { parseResponseCreate } from "./realtime-response-params";
import { sessionView } from "./realtime-session";
import { applySessionUpdate } from "./realtime-session-update";
import type { SimError } from "./realtime-types";
import { invalidType, invalidValue, isRecord, isSimError, missingParameter } from "./realtime-validate";

/** Handles one parsed client event; a returned error becomes an `error` event for it. */
type Handler = (conn: RealtimeConnection, event: Record<string, unknown>) => SimError | null;

function updateSession(conn: RealtimeConnection, patch: unknown): SimError | null {
  if (!isRecord(patch)) return invalidType("session", "an object", patch);
  if (patch.type === undefined) return missingParameter("session.type");
  const before = JSON.stringify(conn.session.audio.input.turn_detection);
  const error = applySessionUpdate(conn.session, patch, { voiceLocked: conn.voiceLocked });
  if (error) return error;
  if (JSON.stringify(conn.session.audio.input.turn_detection) !== before) {
    conn.vad.reset(conn.input.endMs);
    conn.speechItemId = null;
  }
  conn.send({ type: "session.updated", session: sessionView(conn.session) });
  return null;
}

const HANDLERS: Record<string, Handler> = {
  "session.update": (conn, event) => updateSession(conn, event.session),
  "transcription_session.update": (conn, event) =>
    updateSession(
      conn,
      isRecord(event.session) ? { ...event.session, type: "transcription" } : event.session,
    ),
  "input_audio_buffer.append": (conn, event) => appendAudio(conn, event.audio),
  "input_audio_buffer.commit": (conn) => commitBuffer(conn),
  "input_audio_buffer.clear": (conn) => {
    clearBuffer(conn);
    return null;
  },
  "output_audio_buffer.clear": () => ({
    code: "unsupported_event",
    message: "output_audio_buffer.clear is only supported for WebRTC and SIP connections.",
    param: "type",
  }),
  "conversation.item.create": createItem,
  "conversation.item.retrieve": retrieveItem,
  "conversation.item.delete": deleteItem,
  "conversation.item.truncate": truncateItem,
  "response.create": (conn, event) => {
    const overrides = parseResponseCreate(event.response, conn.conversation);
    return isSimError(overrides) ? overrides : createResponse(conn, overrides);
  },
  "response.cancel": (conn, event) => cancelResponse(conn, event.response_id),
};

function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

function parseFrame(
  conn: RealtimeConnection,
  data: RawData,
  isBinary: boolean,
): Record<string, unknown> | null {
  if (isBinary) {
    const message = "Binary frames are not supported; send client events as JSON text frames.";
    conn.error({ code: "invalid_json", message, param: null });
    return null;
  }
  let event: unknown;
  try {
    event = JSON.parse(frameText(data));
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    conn.error({
      code: "invalid_json",
      message: `The client event is not valid JSON: ${detail}`,
      param: null,
    });
    return null;
  }
  if (!isRecord(event)) {
    conn.error(invalidType("event", "a JSON object", event));
    return null;
  }
  return event;
}

/** Handles one client frame; never throws. */
export function handleClientFrame(conn: RealtimeConnection, data: RawData, isBinary: boolean): void {
  const event = parseFrame(conn, data, isBinary);
  if (event === null) return;
  const eventId = typeof event.event_id === "string" ? event.event_id : undefined;
  const handler = typeof event.type === "string" ? HANDLERS[event.type] : undefined;
  let error: SimError | null;
  try {
    if (typeof event.type !== "string") error = invalidType("type", "a string", event.type);
    else if (handler === undefined) error = invalidValue("type", event.type, Object.keys(HANDLERS));
    else error = handler(conn, event);
  } catch {
    const message = "The server had an error while processing your request.";
    error = { type: "server_error", code: "server_error", message, param: null };
  }
  if (error) conn.error(error, eventId);
}
