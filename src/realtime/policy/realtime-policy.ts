import type { Principal } from "../../identity/principal";
import { assertServing, openaiShutdownDate } from "../../models/lifecycle";
import { GatewayError } from "../../platform/errors";
import { REALTIME_DEFAULTS } from "./settings";

/** A tenant's server-side tool as the relay needs it (the definition plus where to call it). */
export interface ServerTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  url: string;
  timeoutMs: number;
}

/**
 * Everything the per-user Durable Object needs to run a session, resolved by the Worker from the
 * principal, tenant settings and the tool registry, and handed over with the upgrade so the relay
 * never reads D1 on its hot path.
 */
export interface RealtimePolicy {
  tenantId: string;
  userId: string;
  /**
   * The key the session's credential stands for (the API key, the key that minted its end-user token,
   * or `admin:…` for ADMIN_TOKEN acting as the tenant): the session ends once it is revoked.
   */
  keyId: string;
  /** The `?model=` of a new session; null when reattaching. */
  model: string | null;
  /** Models a `session.update` may switch to (null: any). */
  allowedModels: string[] | null;
  /**
   * Models a model session's input transcription may use: the tenant's `allowed_models` (null: any).
   * Not `realtime.allowed_models`, which lists the models a session talks with. Absent in policies
   * staged before it existed: any.
   */
  inputTranscriptionModels?: string[] | null;
  allowedVoices: string[] | null;
  instructions: string | null;
  maxSessionSeconds: number;
  maxConcurrentSessions: number;
  dailyAudioSeconds: number | null;
  dailyTokens: number | null;
  graceSeconds: number;
  replayBufferBytes: number;
  tools: ServerTool[];
  /** MCP servers (URL prefixes or `connector_…` ids) client-added MCP tools may name; empty: none. */
  mcpServers: string[];
  /** The `whsec_…` secret that signs tool calls; null when the tenant has no tools. */
  toolSecret: string | null;
}

/** Headers of the Worker's upgrade request to the Durable Object (an upgrade carries no body). */
export const POLICY_HEADER = "x-edgegate-realtime-policy";
/** For a policy too large for a header: the ticket under which it was staged in the object by RPC. */
export const POLICY_TICKET_HEADER = "x-edgegate-realtime-policy-ticket";
export const SUBPROTOCOL_HEADER = "x-edgegate-subprotocol";
/** Encoded policies up to this size travel in the header; larger ones are staged first. */
export const INLINE_POLICY_MAX_CHARS = 16 * 1024;

/** The policy as a header value (URI-encoded JSON, so any instructions text is a valid header). */
export function encodePolicy(policy: RealtimePolicy): string {
  return encodeURIComponent(JSON.stringify(policy));
}

export function decodePolicy(value: string): RealtimePolicy {
  return JSON.parse(decodeURIComponent(value)) as RealtimePolicy;
}

/** Models the tenant allows for Realtime: both the tenant-wide list and `realtime.allowed_models`. */
export function allowedModelsOf(principal: Principal): string[] | null {
  const settings = principal.tenant.settings;
  const lists = [settings.allowed_models, settings.realtime?.allowed_models].filter(
    (list): list is string[] => Array.isArray(list),
  );
  if (lists.length === 0) return null;
  const [first, ...rest] = lists as [string[], ...string[][]];
  return first.filter((model) => rest.every((list) => list.includes(model)));
}

/** Refuses a model the tenant does not allow (403 `model_not_allowed`, as the HTTP proxy does). */
export function assertRealtimeModel(allowed: string[] | null, model: string, param = "model"): void {
  if (allowed && !allowed.includes(model)) {
    throw new GatewayError(
      403,
      `The model '${model}' is not allowed for this tenant. Allowed: ${allowed.join(", ") || "none"}.`,
      { param, code: "model_not_allowed" },
    );
  }
}

/**
 * The model of a client secret or call that names none: OpenAI's current Realtime model (the older
 * `gpt-realtime` shuts down on 2027-01-20; docs/providers.md, model lifecycle).
 */
export const DEFAULT_REALTIME_MODEL = "gpt-realtime-2";

/**
 * Admits a new session's model: allowed for the tenant, and not past OpenAI's shutdown date
 * (Realtime always talks to OpenAI's API; 404 `model_not_found` naming the date). Returns the
 * `Sunset` / `x-edgegate-warning` headers of a model shutting down soon (src/models/lifecycle.ts).
 */
export function admitRealtimeModel(
  principal: Principal,
  model: string,
  now: number,
  param = "model",
): Record<string, string> {
  assertRealtimeModel(allowedModelsOf(principal), model, param);
  return assertServing(model, openaiShutdownDate(model), now, param);
}

/** The policy of one session from the principal's tenant settings and its registered tools. */
export function resolvePolicy(
  principal: Principal,
  userId: string,
  model: string | null,
  tools: ServerTool[],
  toolSecret: string | null,
): RealtimePolicy {
  const rt = principal.tenant.settings.realtime ?? {};
  return {
    tenantId: principal.tenant.id,
    userId,
    keyId: principal.keyId,
    model,
    allowedModels: allowedModelsOf(principal),
    inputTranscriptionModels: principal.tenant.settings.allowed_models ?? null,
    allowedVoices: rt.allowed_voices ?? null,
    instructions: rt.instructions ?? null,
    maxSessionSeconds: rt.max_session_seconds ?? REALTIME_DEFAULTS.max_session_seconds,
    maxConcurrentSessions:
      rt.max_concurrent_sessions_per_user ?? REALTIME_DEFAULTS.max_concurrent_sessions_per_user,
    dailyAudioSeconds: rt.daily_audio_seconds_per_user ?? null,
    dailyTokens: rt.daily_tokens_per_user ?? null,
    graceSeconds: rt.reconnect_grace_seconds ?? REALTIME_DEFAULTS.reconnect_grace_seconds,
    replayBufferBytes: rt.replay_buffer_bytes ?? REALTIME_DEFAULTS.replay_buffer_bytes,
    tools,
    mcpServers: rt.mcp_servers ?? [],
    toolSecret,
  };
}

/** The tool definitions a session gets for the tenant's server-side tools. */
export function toolDefinitions(tools: readonly ServerTool[]): Record<string, unknown>[] {
  return tools.map((tool) => ({
    type: "function",
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
  }));
}
