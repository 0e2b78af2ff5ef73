/**
 * Upstream → client. Audio deltas are measured and forwarded untouched; only the events the gateway
 * acts on are parsed: the session's identity and config, server-tool calls, conversation items and
 * transcripts (recorded), and `response.done` (usage and quotas). Everything else passes through.
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events
 */
import { scrubErrorBody } from "../../upstream/scrub";
import type { SessionRecorder } from "../records/session-recorder";
import type { ServerToolRunner } from "../tools/server-tool-runner";
import { base64AudioBytes, frameEventId, frameType, parseEvent } from "./frame";
import type { UpstreamTarget } from "./upstream-socket";

type Json = Record<string, unknown>;

/** What a session's config says about it, as recorded: from `session.created` / `session.updated`. */
export interface SessionDescription {
  instructions: string | null;
  voice: string | null;
  model: string | null;
}

/**
 * What the server-event handlers need from their session (`RelaySession` implements it): its identity
 * and target, its audio formats, its recorder and server-tool runner, usage counting, and delivery to
 * the client.
 */
export interface ServerEventHost {
  /** The upstream session id, once `session.created` came (a call's from the start). */
  readonly id: string | null;
  readonly target: UpstreamTarget;
  /** Bytes per millisecond of the session's audio formats, updated from its config. */
  readonly audioBytesPerMs: { input: number; output: number };
  readonly recorder: Pick<SessionRecorder, "item" | "text" | "usage">;
  readonly tools: Pick<
    ServerToolRunner,
    "enabled" | "isServerDelta" | "isServerItem" | "isServerOutputItem" | "onArgumentsDone" | "onResponseDone"
  >;
  /** The upstream announced the session: it can now be resumed and recorded. */
  onSessionCreated(id: string, config: SessionDescription): void;
  /** The session's config changed: recorded for the session (which has an id). */
  recordSessionConfig(config: SessionDescription): void;
  addAudio(direction: "output", bytes: number): void;
  addTokens(tokens: number): void;
  /** Delivers a server event to the client and keeps it for replay. */
  deliver(frame: string, eventId: string | null): void;
  deliverBinary(data: ArrayBuffer): void;
  /** Ends the session once the user's daily quota is used up. */
  enforceQuota(): void;
}

/** Conversation events larger than this (items carrying audio) are relayed without being recorded. */
const MAX_PARSED_ITEM_CHARS = 256 * 1024;

const BYTES_PER_MS: Record<string, number> = { "audio/pcm": 48, "audio/pcmu": 8, "audio/pcma": 8 };

function formatRate(format: unknown): number | null {
  const type = (format as Json | undefined)?.type;
  return typeof type === "string" ? (BYTES_PER_MS[type] ?? null) : null;
}

/** `session.created` / `session.updated`: identity, instructions, voice and audio formats. */
function onSession(session: ServerEventHost, event: Json | null, created: boolean): void {
  const config = (event?.session ?? {}) as Json;
  const audio = (config.audio ?? {}) as Json;
  const input = (audio.input ?? {}) as Json;
  const output = (audio.output ?? {}) as Json;
  session.audioBytesPerMs.input = formatRate(input.format) ?? session.audioBytesPerMs.input;
  session.audioBytesPerMs.output = formatRate(output.format) ?? session.audioBytesPerMs.output;
  const instructions = typeof config.instructions === "string" ? config.instructions : null;
  const voice =
    typeof output.voice === "string"
      ? output.voice
      : typeof (output.voice as Json | undefined)?.id === "string"
        ? String((output.voice as Json).id)
        : null;
  // A transcription session's model is the one that transcribes its input.
  const model =
    session.target.kind === "transcription" ? (input.transcription as Json | null)?.model : config.model;
  const described: SessionDescription = {
    instructions,
    voice,
    model: typeof model === "string" ? model : null,
  };
  // A call's session is known by its call id from the start.
  if (created && session.id === null && typeof config.id === "string")
    session.onSessionCreated(config.id, described);
  else if (session.id !== null) session.recordSessionConfig(described);
}

/**
 * An input transcript: recorded, with its usage. The transcription model's tokens are billed apart
 * from the responses' (a model session's `response.done` usage does not include them), so they count
 * toward the daily token quota in every kind of session.
 */
function onInputTranscript(session: ServerEventHost, frame: string): void {
  const event = parseEvent(frame);
  session.recorder.text(event?.item_id, "user", event?.transcript, true);
  if (event?.usage) {
    session.addTokens(
      session.recorder.usage({ response: { id: event.item_id, status: "completed", usage: event.usage } }),
    );
  }
}

/** A conversation item event: recorded; hidden when it belongs to a server-side tool call. */
function onItem(session: ServerEventHost, frame: string, complete: boolean): boolean {
  if (frame.length > MAX_PARSED_ITEM_CHARS) return true;
  const item = parseEvent(frame)?.item as Json | undefined;
  const serverTool = session.tools.isServerItem(item);
  session.recorder.item(item, serverTool, complete);
  return !serverTool;
}

function onResponseDone(session: ServerEventHost, frame: string): string | null {
  const event = parseEvent(frame);
  if (event === null) return frame;
  const rewritten = session.tools.onResponseDone(event);
  session.addTokens(session.recorder.usage(event));
  const out = rewritten ? JSON.stringify(event) : frame;
  // A failed response carries the provider's error (a rate limit names the operator's organization).
  return (event.response as Json | undefined)?.status === "failed" ? scrubErrorBody(out) : out;
}

/**
 * Decides what the client gets for one upstream frame: the frame itself, a rewritten frame, or
 * nothing (null) for server-tool events.
 */
function route(session: ServerEventHost, frame: string, type: string | null): string | null {
  switch (type) {
    case "response.output_audio.delta":
      session.addAudio("output", base64AudioBytes(frame, "delta"));
      return frame;
    case "response.function_call_arguments.delta":
      return session.tools.isServerDelta(frame) ? null : frame;
    case "response.function_call_arguments.done": {
      if (!session.tools.enabled) return frame;
      const event = parseEvent(frame);
      return event !== null && session.tools.onArgumentsDone(event) ? null : frame;
    }
    case "response.output_item.added":
    case "response.output_item.done":
      return session.tools.isServerOutputItem(frame, () => parseEvent(frame)) ? null : frame;
    case "conversation.item.added":
      return onItem(session, frame, false) ? frame : null;
    case "conversation.item.done":
    case "conversation.item.created":
      return onItem(session, frame, true) ? frame : null;
    case "conversation.item.retrieved":
      // The client's retrieve of a server call's item is refused before it goes upstream; this
      // catches an id the gateway had not yet seen.
      return session.tools.isServerItem(parseEvent(frame)?.item as Json | undefined) ? null : frame;
    case "conversation.item.input_audio_transcription.completed":
      onInputTranscript(session, frame);
      return frame;
    case "response.output_audio_transcript.done":
    case "response.output_text.done": {
      const event = parseEvent(frame);
      session.recorder.text(event?.item_id, "assistant", event?.transcript ?? event?.text);
      return frame;
    }
    case "response.done":
      return onResponseDone(session, frame);
    case "session.created":
    case "session.updated":
      onSession(session, parseEvent(frame), type === "session.created");
      return frame;
    case "error":
      // The provider's errors may name the operator's account, shared by every tenant.
      return scrubErrorBody(frame);
    default:
      return frame;
  }
}

/** Handles one upstream frame; never throws. */
export function onServerFrame(session: ServerEventHost, data: string | ArrayBuffer): void {
  if (typeof data !== "string") {
    session.deliverBinary(data);
    return;
  }
  const type = frameType(data);
  const frame = route(session, data, type);
  if (frame !== null) session.deliver(frame, frameEventId(data, type));
  session.enforceQuota();
}
