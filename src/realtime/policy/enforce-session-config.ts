/**
 * The tenant's session policy applied to the events that configure a session: the gateway's own
 * `session.update` when a session starts, and every client `session.update` and `response.create`
 * (enforced instructions kept, voices and models checked, server-side tools merged in).
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/session/update
 */
import { mcpToolRefusal } from "./mcp-servers";
import { type RealtimePolicy, toolDefinitions } from "./realtime-policy";

export interface PolicyViolation {
  code:
    | "voice_not_allowed"
    | "model_not_allowed"
    | "mcp_server_not_allowed"
    | "server_tool_item_not_allowed"
    | "system_message_not_allowed"
    | "invalid_event";
  message: string;
  param: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Enforced instructions first, then the client's own. */
function withEnforced(policy: RealtimePolicy, client: unknown): unknown {
  if (policy.instructions === null) return client;
  if (client === null || client === "") return policy.instructions;
  if (typeof client !== "string") return client;
  return client.startsWith(policy.instructions) ? client : `${policy.instructions}\n\n${client}`;
}

/** The client's tools with the tenant's server tools added (a server tool wins a name clash). */
function withServerTools(policy: RealtimePolicy, client: unknown): unknown {
  if (policy.tools.length === 0 || !Array.isArray(client)) return client;
  const serverNames = new Set(policy.tools.map((tool) => tool.name));
  const own = client.filter((tool) => !(isObject(tool) && serverNames.has(String(tool.name))));
  return [...own, ...toolDefinitions(policy.tools)];
}

/** The first client MCP tool the tenant's `mcp_servers` list does not allow, as a violation. */
function checkMcpTools(policy: RealtimePolicy, tools: unknown, param: string): PolicyViolation | null {
  if (!Array.isArray(tools)) return null;
  for (const [index, tool] of tools.entries()) {
    if (!isObject(tool) || tool.type !== "mcp") continue;
    const message = mcpToolRefusal(policy.mcpServers ?? [], tool);
    if (message !== null) return { code: "mcp_server_not_allowed", message, param: `${param}[${index}]` };
  }
  return null;
}

function voiceOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (isObject(value) && typeof value.id === "string") return value.id;
  return null;
}

function checkVoice(policy: RealtimePolicy, audio: unknown, param: string): PolicyViolation | null {
  if (policy.allowedVoices === null || !isObject(audio) || !isObject(audio.output)) return null;
  if (audio.output.voice === undefined) return null;
  const voice = voiceOf(audio.output.voice);
  if (voice !== null && policy.allowedVoices.includes(voice)) return null;
  return {
    code: "voice_not_allowed",
    message: `The voice '${voice ?? String(audio.output.voice)}' is not allowed for this tenant. Allowed: ${policy.allowedVoices.join(", ")}.`,
    param,
  };
}

/**
 * The model that transcribes a session's input must be allowed too. In a transcription session it is
 * the session's model (both allow-lists apply); in a model session it transcribes the user's audio
 * alongside, billed apart, and the tenant's `allowed_models` applies.
 */
function checkTranscriptionModel(policy: RealtimePolicy, session: Json): PolicyViolation | null {
  const transcribing = session.type === "transcription";
  const allowed = transcribing ? policy.allowedModels : (policy.inputTranscriptionModels ?? null);
  if (allowed === null) return null;
  const input = isObject(session.audio) && isObject(session.audio.input) ? session.audio.input : null;
  const model = input && isObject(input.transcription) ? input.transcription.model : undefined;
  if (typeof model !== "string" || allowed.includes(model)) return null;
  const what = transcribing ? "transcription model" : "input transcription model";
  return {
    code: "model_not_allowed",
    message: `The ${what} '${model}' is not allowed for this tenant. Allowed: ${allowed.join(", ")}.`,
    param: "session.audio.input.transcription.model",
  };
}

/**
 * Applies the policy to a client `session.update` event in place; returns the violation that makes
 * the gateway refuse the whole update (nothing is forwarded then, as the API refuses invalid updates).
 */
export function applyToSessionUpdate(policy: RealtimePolicy, event: Json): PolicyViolation | null {
  const session = event.session;
  if (!isObject(session)) {
    return { code: "invalid_event", message: "session.update needs a 'session' object.", param: "session" };
  }
  if (
    typeof session.model === "string" &&
    policy.allowedModels &&
    !policy.allowedModels.includes(session.model)
  ) {
    return {
      code: "model_not_allowed",
      message: `The model '${session.model}' is not allowed for this tenant. Allowed: ${policy.allowedModels.join(", ")}.`,
      param: "session.model",
    };
  }
  const transcription = checkTranscriptionModel(policy, session);
  if (transcription) return transcription;
  return applyToConfig(policy, session, "session");
}

/** Applies the policy to the per-response overrides of a client `response.create`, in place. */
export function applyToResponseCreate(policy: RealtimePolicy, event: Json): PolicyViolation | null {
  const response = event.response;
  if (!isObject(response)) return null;
  return applyToConfig(policy, response, "response");
}

/**
 * What a session and a response config share: the voice and MCP tools are checked, the enforced
 * instructions and server tools put in, in place. `at` names the object in a violation's `param`.
 */
function applyToConfig(
  policy: RealtimePolicy,
  config: Json,
  at: "session" | "response",
): PolicyViolation | null {
  const voice = checkVoice(policy, config.audio, `${at}.audio.output.voice`);
  if (voice) return voice;
  const mcp = checkMcpTools(policy, config.tools, `${at}.tools`);
  if (mcp) return mcp;
  if ("instructions" in config) config.instructions = withEnforced(policy, config.instructions);
  if ("tools" in config) config.tools = withServerTools(policy, config.tools);
  return null;
}

/**
 * The legacy `transcription_session.update`: the provider applies it as a `session.update` of type
 * `transcription`, so it is checked (and forwarded) as one.
 */
export function applyToTranscriptionSessionUpdate(
  policy: RealtimePolicy,
  event: Json,
): PolicyViolation | null {
  if (isObject(event.session)) event.session.type = "transcription";
  return applyToSessionUpdate(policy, event);
}

/**
 * A session configuration with the policy forced into it (for minting client secrets): enforced
 * instructions, the default voice when none is chosen, and the server-side tools.
 */
export function forcePolicy(
  policy: RealtimePolicy,
  session: Json,
): { session: Json } | { violation: PolicyViolation } {
  const forced: Json = { ...session };
  if (policy.instructions !== null && !("instructions" in forced)) forced.instructions = policy.instructions;
  if (policy.tools.length > 0 && !("tools" in forced)) forced.tools = [];
  const voice = policy.allowedVoices?.[0];
  const audio = isObject(forced.audio) ? forced.audio : {};
  const output = isObject(audio.output) ? audio.output : {};
  if (voice !== undefined && output.voice === undefined) {
    forced.audio = { ...audio, output: { ...output, voice } };
  }
  const violation = applyToSessionUpdate(policy, { session: forced });
  return violation ? { violation } : { session: forced };
}

/**
 * The `session.update` the gateway sends first on every new session: enforced instructions, the
 * default allowed voice and the server-side tools. Null when the tenant sets none of them.
 */
export function initialSessionUpdate(policy: RealtimePolicy): string | null {
  const session: Json = { type: "realtime" };
  if (policy.instructions !== null) session.instructions = policy.instructions;
  const voice = policy.allowedVoices?.[0];
  if (voice !== undefined) session.audio = { output: { voice } };
  if (policy.tools.length > 0) session.tools = toolDefinitions(policy.tools);
  if (Object.keys(session).length === 1) return null;
  return JSON.stringify({ type: "session.update", event_id: "event_gateway_policy", session });
}
