/**
 * The simulated session: GA defaults, the shape `session.created` shows, and model names.
 * @see https://platform.openai.com/docs/api-reference/realtime-server-events/session/created
 */
import type { RealtimeAudioInputTurnDetection } from "openai/resources/realtime/realtime";
import type { SimSession, SimSessionView } from "./realtime-types";
import { newId } from "./realtime-types";

export const DEFAULT_INSTRUCTIONS =
  "You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't a human. " +
  "Your voice and personality should be warm and engaging. Talk quickly and keep your answers short.";

/** Model names the simulator accepts on `?model=`; anything else is `model_not_found`. */
const REALTIME_MODEL =
  /^(gpt-realtime|gpt-audio|gpt-4o-realtime-preview|gpt-4o-mini-realtime-preview)([-.\w]*)$/;

export function isRealtimeModel(model: string): boolean {
  return REALTIME_MODEL.test(model);
}

export function defaultTurnDetection(
  type: RealtimeAudioInputTurnDetection["type"],
): RealtimeAudioInputTurnDetection {
  if (type === "semantic_vad") {
    return { type, eagerness: "auto", create_response: true, interrupt_response: true };
  }
  return {
    type,
    threshold: 0.5,
    prefix_padding_ms: 300,
    silence_duration_ms: 500,
    create_response: true,
    interrupt_response: true,
    idle_timeout_ms: null,
  };
}

/** A session with the GA defaults (`output_modalities: ["audio"]`, server VAD, voice `alloy`). */
export function createSession(
  type: SimSession["type"],
  model: string,
  maxSessionSeconds: number,
): SimSession {
  return {
    type,
    object: "realtime.session",
    id: newId("sess"),
    model,
    output_modalities: ["audio"],
    instructions: DEFAULT_INSTRUCTIONS,
    audio: {
      input: {
        format: { type: "audio/pcm", rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: defaultTurnDetection("server_vad"),
      },
      output: { format: { type: "audio/pcm", rate: 24000 }, voice: "alloy", speed: 1 },
    },
    tools: [],
    tool_choice: "auto",
    max_output_tokens: "inf",
    tracing: null,
    truncation: "auto",
    prompt: null,
    expires_at: Math.floor(Date.now() / 1000) + maxSessionSeconds,
    include: null,
  };
}

/** What the session events show: a transcription session has no output, tools or instructions. */
export function sessionView(session: SimSession): SimSessionView {
  if (session.type === "realtime") return session;
  return {
    type: "transcription",
    object: "realtime.transcription_session",
    id: session.id,
    expires_at: session.expires_at,
    include: session.include,
    audio: { input: session.audio.input },
  };
}
