/**
 * `POST /v1/realtime/client_secrets`: mints an `ek_…` ephemeral key bound to a GA session config and
 * records it in `state.ephemeralKeys`, where the Realtime WebSocket (`realtime.ts`) accepts it.
 * @see docs/openai-reference.md A.3
 */
import type { ClientSecretCreateResponse } from "openai/resources/realtime/client-secrets";
import {
  badRequest,
  invalidValue,
  isObject,
  type JsonObject,
  optionalNumber,
  optionalObject,
} from "./errors";
import { json, type Route } from "./http";
import type { SimState } from "./state";
import { nowSeconds, randomId } from "./text";

const MAX_KEYS = 10_000;
const PCM = { type: "audio/pcm", rate: 24000 };

function defaultSession(model: string): JsonObject {
  return {
    type: "realtime",
    object: "realtime.session",
    model,
    output_modalities: ["audio"],
    instructions:
      "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren't a human.",
    tools: [],
    tool_choice: "auto",
    max_output_tokens: "inf",
    tracing: null,
    truncation: "auto",
    prompt: null,
    expires_at: 0,
    include: null,
    audio: {
      input: {
        format: PCM,
        transcription: null,
        noise_reduction: null,
        turn_detection: {
          type: "server_vad",
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: 200,
          idle_timeout_ms: null,
          create_response: true,
          interrupt_response: true,
        },
      },
      output: { format: PCM, voice: "alloy", speed: 1 },
    },
  };
}

/** Deep-merges plain objects; arrays and scalars from `patch` replace the default. */
function merge(base: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

function parseExpiry(body: JsonObject): number {
  const expires = optionalObject(body, "expires_after");
  if (!expires) return 600;
  if (expires.anchor !== undefined && expires.anchor !== "created_at") {
    throw invalidValue("expires_after.anchor", expires.anchor, ["created_at"]);
  }
  return optionalNumber(expires, "seconds", { integer: true, min: 10, max: 7200 }, "expires_after") ?? 600;
}

function parseSession(body: JsonObject): JsonObject {
  const session = optionalObject(body, "session") ?? { type: "realtime" };
  const type = session.type ?? "realtime";
  if (type !== "realtime" && type !== "transcription") {
    throw invalidValue("session.type", type, ["realtime", "transcription"]);
  }
  return session;
}

function prune(state: SimState): void {
  const now = nowSeconds();
  for (const [value, key] of state.ephemeralKeys) {
    if (key.expiresAt <= now || state.ephemeralKeys.size > MAX_KEYS) state.ephemeralKeys.delete(value);
  }
}

/**
 * The full session config a client secret (or a WebRTC call) starts with: `body.session` over the GA
 * defaults, with a new `sess_` id.
 */
export function sessionConfig(body: JsonObject): JsonObject {
  const requested = parseSession(body);
  const id = randomId("sess_", 24);
  if (requested.type === "transcription") {
    return merge(
      { id, object: "realtime.transcription_session", type: "transcription", expires_at: 0 },
      requested,
    );
  }
  const model = typeof requested.model === "string" ? requested.model : "gpt-realtime";
  if (!isRealtimeModel(model))
    throw badRequest(
      `Invalid value: '${model}'. This is not a Realtime model.`,
      "session.model",
      "invalid_value",
    );
  return merge({ id, ...defaultSession(model) }, { ...requested, id, type: "realtime" });
}

export function createClientSecret(state: SimState, body: JsonObject): ClientSecretCreateResponse {
  const seconds = parseExpiry(body);
  const session = sessionConfig(body);
  const expiresAt = nowSeconds() + seconds;
  const value = randomId("ek_", 32, "0123456789abcdef");
  prune(state);
  state.ephemeralKeys.set(value, { value, expiresAt, session });
  return {
    value,
    expires_at: expiresAt,
    session: session as unknown as ClientSecretCreateResponse["session"],
  };
}

/** GA Realtime models and the legacy previews still served (A.6). */
function isRealtimeModel(model: string): boolean {
  return /^(gpt-realtime|gpt-4o-realtime-preview|gpt-4o-mini-realtime-preview|gpt-audio)/.test(model);
}

export const clientSecretRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/realtime\/client_secrets$/,
    handler: async (ctx) => json(createClientSecret(ctx.state, await ctx.readJson())),
  },
];
