/**
 * `session.update` for the simulator: validates a GA session patch and merges it deeply into the
 * session (nested `audio.input`/`audio.output`, `turn_detection` merged within the same type).
 * The update is atomic: on any error nothing changes.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/session/update
 */
import type {
  AudioTranscription,
  RealtimeAudioFormats,
  RealtimeAudioInputTurnDetection,
  RealtimeToolChoiceConfig,
  RealtimeToolsConfigUnion,
  RealtimeTracingConfig,
  RealtimeTruncation,
} from "openai/resources/realtime/realtime";
import type { ResponsePrompt } from "openai/resources/responses/responses";
import { defaultTurnDetection } from "./realtime-session";
import type { SimError, SimSession } from "./realtime-types";
import {
  invalidType,
  invalidValue,
  isRecord,
  isSimError,
  parseModalities,
  parseToolChoice,
  parseTools,
} from "./realtime-validate";

export interface UpdateOptions {
  /** True once assistant audio exists: the voice can no longer change. */
  voiceLocked: boolean;
  /** Skip unknown fields instead of failing (used for an ephemeral key's stored config). */
  lenient?: boolean;
}

type Apply = (draft: SimSession, value: unknown, param: string, options: UpdateOptions) => SimError | null;

const FORMAT_TYPES = ["audio/pcm", "audio/pcmu", "audio/pcma"] as const;

function parseFormat(value: unknown, param: string): RealtimeAudioFormats | SimError {
  if (!isRecord(value)) return invalidType(param, "an object", value);
  const type = value.type;
  if (type === "audio/pcm") {
    if (value.rate !== undefined && value.rate !== 24000)
      return invalidValue(`${param}.rate`, value.rate, [24000]);
    return { type, rate: 24000 };
  }
  if (type === "audio/pcmu") return { type };
  if (type === "audio/pcma") return { type };
  return invalidValue(`${param}.type`, type, FORMAT_TYPES);
}

function mergeTurnDetection(
  current: RealtimeAudioInputTurnDetection | null,
  value: unknown,
  param: string,
): RealtimeAudioInputTurnDetection | null | SimError {
  if (value === null) return null;
  if (!isRecord(value)) return invalidType(param, "an object", value);
  const type = value.type ?? current?.type;
  if (type !== "server_vad" && type !== "semantic_vad") {
    return invalidValue(`${param}.type`, value.type, ["server_vad", "semantic_vad"]);
  }
  const threshold = value.threshold;
  if (threshold !== undefined && (typeof threshold !== "number" || threshold < 0 || threshold > 1)) {
    return invalidValue(`${param}.threshold`, threshold, ["a number between 0 and 1"]);
  }
  for (const key of ["prefix_padding_ms", "silence_duration_ms"]) {
    const ms = value[key];
    if (ms !== undefined && (typeof ms !== "number" || ms < 0))
      return invalidType(`${param}.${key}`, "a number", ms);
  }
  const base = current?.type === type ? current : defaultTurnDetection(type);
  return { ...base, ...value, type } as RealtimeAudioInputTurnDetection;
}

const applyInput: Apply = (draft, value, param, options) => {
  if (!isRecord(value)) return invalidType(param, "an object", value);
  const input = draft.audio.input;
  for (const [key, field] of Object.entries(value)) {
    const at = `${param}.${key}`;
    if (key === "format") {
      const format = parseFormat(field, at);
      if (isSimError(format)) return format;
      input.format = format;
    } else if (key === "transcription") {
      if (field !== null && !isRecord(field)) return invalidType(at, "an object", field);
      input.transcription = field === null ? null : (field as AudioTranscription);
    } else if (key === "noise_reduction") {
      const type = isRecord(field) ? field.type : field;
      if (field !== null && type !== "near_field" && type !== "far_field") {
        return invalidValue(`${at}.type`, type, ["near_field", "far_field"]);
      }
      input.noise_reduction = type === "near_field" || type === "far_field" ? { type } : null;
    } else if (key === "turn_detection") {
      const detection = mergeTurnDetection(input.turn_detection, field, at);
      if (isSimError(detection)) return detection;
      input.turn_detection = detection;
    } else if (!options.lenient) {
      return unknownParameter(at);
    }
  }
  return null;
};

const applyOutput: Apply = (draft, value, param, options) => {
  if (!isRecord(value)) return invalidType(param, "an object", value);
  const output = draft.audio.output;
  for (const [key, field] of Object.entries(value)) {
    const at = `${param}.${key}`;
    if (key === "format") {
      const format = parseFormat(field, at);
      if (isSimError(format)) return format;
      output.format = format;
    } else if (key === "voice") {
      if (typeof field !== "string" && !(isRecord(field) && typeof field.id === "string")) {
        return invalidType(at, "a string", field);
      }
      const voice = typeof field === "string" ? field : { id: String(field.id) };
      if (options.voiceLocked && JSON.stringify(voice) !== JSON.stringify(output.voice)) {
        return {
          code: "cannot_update_voice",
          message: "Cannot update a conversation's voice if assistant audio is present.",
          param: at,
        };
      }
      output.voice = voice;
    } else if (key === "speed") {
      if (typeof field !== "number" || field < 0.25 || field > 1.5) {
        return invalidValue(at, field, ["a number between 0.25 and 1.5"]);
      }
      output.speed = field;
    } else if (!options.lenient) {
      return unknownParameter(at);
    }
  }
  return null;
};

const applyAudio: Apply = (draft, value, param, options) => {
  if (!isRecord(value)) return invalidType(param, "an object", value);
  for (const [key, field] of Object.entries(value)) {
    const apply = key === "input" ? applyInput : key === "output" ? applyOutput : null;
    if (apply === null) {
      if (options.lenient) continue;
      return unknownParameter(`${param}.${key}`);
    }
    const error = apply(draft, field, `${param}.${key}`, options);
    if (error) return error;
  }
  return null;
};

function unknownParameter(param: string): SimError {
  return { code: "unknown_parameter", message: `Unknown parameter: '${param}'.`, param };
}

function stringField(key: "instructions" | "model"): Apply {
  return (draft, value, param) => {
    if (typeof value !== "string") return invalidType(param, "a string", value);
    draft[key] = value;
    return null;
  };
}

const FIELDS: Record<string, Apply> = {
  type: () => null,
  model: stringField("model"),
  instructions: stringField("instructions"),
  audio: applyAudio,
  output_modalities: (draft, value, param) => {
    const modalities = parseModalities(value, param);
    if (isSimError(modalities)) return modalities;
    draft.output_modalities = modalities;
    return null;
  },
  tools: (draft, value, param) => {
    const tools = parseTools(value, param);
    if (isSimError(tools)) return tools;
    draft.tools = tools as RealtimeToolsConfigUnion[];
    return null;
  },
  tool_choice: (draft, value, param) => {
    const choice = parseToolChoice(value, param);
    if (isSimError(choice)) return choice;
    draft.tool_choice = choice as RealtimeToolChoiceConfig;
    return null;
  },
  max_output_tokens: (draft, value, param) => {
    if (value !== "inf" && !(Number.isInteger(value) && Number(value) >= 1 && Number(value) <= 4096)) {
      return invalidValue(param, value, ["an integer between 1 and 4096", "inf"]);
    }
    draft.max_output_tokens = value === "inf" ? "inf" : Number(value);
    return null;
  },
  tracing: (draft, value, param) => {
    if (value !== null && value !== "auto" && !isRecord(value)) return invalidValue(param, value, ["auto"]);
    draft.tracing = value as RealtimeTracingConfig | null;
    return null;
  },
  truncation: (draft, value, param) => {
    if (value !== "auto" && value !== "disabled" && !isRecord(value)) {
      return invalidValue(param, value, ["auto", "disabled"]);
    }
    draft.truncation = value as RealtimeTruncation;
    return null;
  },
  prompt: (draft, value, param) => {
    if (value !== null && !(isRecord(value) && typeof value.id === "string")) {
      return invalidType(param, "an object with an id", value);
    }
    draft.prompt = value as ResponsePrompt | null;
    return null;
  },
  include: (draft, value, param) => {
    if (value !== null && !Array.isArray(value)) return invalidType(param, "an array", value);
    draft.include = value as SimSession["include"];
    return null;
  },
  reasoning: () => null,
  parallel_tool_calls: () => null,
};

const TRANSCRIPTION_FIELDS = new Set(["type", "audio", "include"]);

/** Validates `patch` (a GA `session` object) and merges it into `session`; returns the first error. */
export function applySessionUpdate(
  session: SimSession,
  patch: Record<string, unknown>,
  options: UpdateOptions,
): SimError | null {
  if (patch.type !== "realtime" && patch.type !== "transcription") {
    return invalidValue("session.type", patch.type, ["realtime", "transcription"]);
  }
  if (patch.type !== session.type) {
    const message = `Cannot change the session type from '${session.type}' to '${patch.type}'.`;
    return { code: "invalid_value", message, param: "session.type" };
  }
  const draft = structuredClone(session);
  for (const [key, value] of Object.entries(patch)) {
    const apply = FIELDS[key];
    const allowed = apply !== undefined && (session.type === "realtime" || TRANSCRIPTION_FIELDS.has(key));
    if (!allowed) {
      if (options.lenient) continue;
      return unknownParameter(`session.${key}`);
    }
    const error = apply(draft, value, `session.${key}`, options);
    if (error) return error;
  }
  Object.assign(session, draft);
  return null;
}
