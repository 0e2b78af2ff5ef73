/**
 * Wire types of the simulated Realtime GA server. They are the openai SDK's own types, widened only
 * where the live API sends `null` and the SDK declares the field optional (`transcript: null` on
 * committed audio, `transcription: null` in the session, `usage: null` on `response.created`).
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events
 */
import { randomBytes } from "node:crypto";
import type {
  AudioTranscription,
  ConversationItem,
  ConversationItemAdded,
  ConversationItemDone,
  NoiseReductionType,
  RealtimeAudioConfigOutput,
  RealtimeAudioFormats,
  RealtimeAudioInputTurnDetection,
  RealtimeConversationItemUserMessage,
  RealtimeResponse,
  RealtimeResponseStatus,
  RealtimeResponseUsage,
  RealtimeServerEvent,
  RealtimeToolChoiceConfig,
  RealtimeToolsConfigUnion,
  RealtimeTracingConfig,
  RealtimeTruncation,
  ResponseCreatedEvent,
  ResponseDoneEvent,
  ResponseOutputItemAddedEvent,
  ResponseOutputItemDoneEvent,
  SessionCreatedEvent,
  SessionUpdatedEvent,
} from "openai/resources/realtime/realtime";
import type { ResponsePrompt } from "openai/resources/responses/responses";

/** A user content part whose `transcript` is `null` until transcription completes. */
export interface SimUserContent extends Omit<RealtimeConversationItemUserMessage.Content, "transcript"> {
  transcript?: string | null;
}

export interface SimUserMessage extends Omit<RealtimeConversationItemUserMessage, "content"> {
  content: SimUserContent[];
}

/** A conversation item as stored and sent by the simulator. */
export type SimItem = Exclude<ConversationItem, RealtimeConversationItemUserMessage> | SimUserMessage;

export interface SimAudioInput {
  format: RealtimeAudioFormats;
  transcription: AudioTranscription | null;
  noise_reduction: { type?: NoiseReductionType } | null;
  turn_detection: RealtimeAudioInputTurnDetection | null;
}

export interface SimAudioOutput {
  format: RealtimeAudioFormats;
  voice: NonNullable<RealtimeAudioConfigOutput["voice"]>;
  speed: number;
}

/** The full GA session (`RealtimeSessionCreateResponse` with the nulls the server really sends). */
export interface SimSession {
  type: "realtime" | "transcription";
  object: "realtime.session";
  id: string;
  model: string;
  output_modalities: Array<"text" | "audio">;
  instructions: string;
  audio: { input: SimAudioInput; output: SimAudioOutput };
  tools: RealtimeToolsConfigUnion[];
  tool_choice: RealtimeToolChoiceConfig;
  max_output_tokens: number | "inf";
  tracing: RealtimeTracingConfig | null;
  truncation: RealtimeTruncation;
  prompt: ResponsePrompt | null;
  expires_at: number;
  include: Array<"item.input_audio_transcription.logprobs"> | null;
}

/** What `session.created`/`session.updated` carry: the whole session, or its transcription subset. */
export type SimSessionView =
  | SimSession
  | (Pick<SimSession, "type" | "id" | "expires_at" | "include"> & {
      object: "realtime.transcription_session";
      audio: { input: SimAudioInput };
    });

export interface SimResponse extends Omit<RealtimeResponse, "output" | "status_details" | "usage"> {
  id: string;
  output: SimItem[];
  status_details: RealtimeResponseStatus | null;
  usage: RealtimeResponseUsage | null;
}

type WithItem<E> = Omit<E, "item"> & { item: SimItem };
type WithResponse<E> = Omit<E, "response"> & { response: SimResponse };
type WithSession<E> = Omit<E, "session"> & { session: SimSessionView };

/** Every event the simulator sends. */
export type SimServerEvent =
  | Exclude<RealtimeServerEvent, { item: unknown } | { response: unknown } | { session: unknown }>
  | WithItem<ConversationItemAdded>
  | WithItem<ConversationItemDone>
  | WithItem<RealtimeServerEvent.ConversationItemRetrieved>
  | WithItem<ResponseOutputItemAddedEvent>
  | WithItem<ResponseOutputItemDoneEvent>
  | WithResponse<ResponseCreatedEvent>
  | WithResponse<ResponseDoneEvent>
  | WithSession<SessionCreatedEvent>
  | WithSession<SessionUpdatedEvent>;

/** A server event before the connection stamps its `event_id`. */
export type OutgoingEvent = SimServerEvent extends infer E
  ? E extends unknown
    ? Omit<E, "event_id">
    : never
  : never;

/** An `error` event's payload; `event_id` names the client event that caused it. */
export interface SimError {
  code: string;
  message: string;
  param?: string | null;
  type?: string;
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** An OpenAI-style id such as `event_Bx3…` or `item_Q9…`. */
export function newId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${prefix}_${out}`;
}
