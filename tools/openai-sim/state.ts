/**
 * Shared state of the OpenAI simulator: configuration, fault injection and request statistics.
 * Every handler (HTTP routes in `server.ts`, the Realtime WebSocket in `realtime.ts`) reads and
 * updates one `SimState`, so tests can steer and observe the simulator through `/__sim/*`.
 *
 * A request may name a scope (`scopeOf`): it then sees the configuration, faults and counters of
 * that scope alone, so test files running side by side against one simulator cannot disturb each
 * other. Ephemeral keys and calls stay shared (their ids are unguessable).
 */
import type { IncomingHttpHeaders } from "node:http";

/** Options accepted by `startSimulator()` and by `POST /__sim/config`. */
export interface SimConfig {
  /** Bearer key clients must send; `null` accepts any non-empty key. */
  apiKey: string | null;
  /** More keys accepted besides `apiKey` (another account on the same server, e.g. a tenant's provider). */
  extraApiKeys: string[];
  /** Where job webhooks (`fine_tuning.job.*`) are POSTed, signed with Standard Webhooks. */
  webhookUrl: string | null;
  /** `whsec_…` secret used to sign webhooks. */
  webhookSecret: string;
  /** Milliseconds a fine-tuning job spends in each of validating_files, queued, running. */
  fineTuneStepMs: number;
  /** Maximum Realtime session length in seconds (GA: 60 minutes). */
  realtimeMaxSessionSeconds: number;
  /** Pause between SSE events of a streamed HTTP response, in ms (0 = write them back to back). */
  streamChunkDelayMs: number;
  /** Milliseconds a `background: true` response spends in each of `queued` and `in_progress`. */
  backgroundStepMs: number;
}

/**
 * Faults applied to the next matching requests. `route` is matched against `"METHOD /path"`
 * (e.g. `"POST /v1/chat/completions"`); omitted means every route.
 */
export interface FaultSpec {
  route?: string;
  /** Added latency in ms before the response starts. */
  latencyMs?: number;
  /** Answer the next `count` matching requests with this status and an OpenAI error body. */
  errorStatus?: number;
  /** Optional `retry-after` header value (seconds) sent with injected errors. */
  retryAfterSeconds?: number;
  /** How many requests the fault applies to (default 1; latency without count applies until reset). */
  count?: number;
  /** For SSE streams: close the connection after this many `data:` events, without `[DONE]`. */
  cutStreamAfterEvents?: number;
  /** For JSON answers: send the headers (with the whole body's `content-length`) and this many bytes of the body, then drop the connection. */
  cutJsonAfterBytes?: number;
  /** For SSE streams: after this many `data:` events (0: right after the headers), send nothing more and hold the connection open. */
  stallStreamAfterEvents?: number;
  /** For Realtime: drop the WebSocket (TCP destroy) after this many server events. */
  dropWebSocketAfterEvents?: number;
  /** For Realtime with `dropWebSocketAfterEvents`: end with a close frame of this code (e.g. 1013) instead of a TCP destroy. */
  closeWebSocketCode?: number;
  /** Refuse the TCP connection/upgrade outright (socket destroyed before any response). */
  refuseConnection?: boolean;
}

export interface ActiveFault extends FaultSpec {
  remaining: number;
}

/** An ephemeral Realtime key minted by `POST /v1/realtime/client_secrets`. */
export interface EphemeralKey {
  value: string;
  /** Unix seconds, as in the `expires_at` field of the client-secret response. */
  expiresAt: number;
  /** The GA session configuration the secret was minted with; applied to sessions opened with it. */
  session: Record<string, unknown>;
}

/** A WebRTC call started with `POST /v1/realtime/calls`, until it is hung up. */
export interface RealtimeCall {
  id: string;
  /** The GA session config the call runs with; a sideband socket (`?call_id=`) starts from it. */
  session: Record<string, unknown>;
}

export interface SimState {
  /** The scope this state belongs to; null for the simulator's own (unscoped) state. */
  scope: string | null;
  /** The unscoped state, which holds the scopes (itself when unscoped). */
  root: SimState;
  /** Scoped states by name, created on first use from the root's configuration at that moment. */
  scopes: Map<string, SimState>;
  config: SimConfig;
  faults: ActiveFault[];
  /** Requests served per `"METHOD /path"` (path without query, ids kept literally). */
  requests: Map<string, number>;
  /** Authenticated requests per `"METHOD /path key"`: which account a request was sent with. */
  requestsByKey: Map<string, number>;
  /** `ek_…` values accepted by the Realtime WebSocket in place of the API key. */
  ephemeralKeys: Map<string, EphemeralKey>;
  /** WebRTC calls by `rtc_…` id. */
  realtimeCalls: Map<string, RealtimeCall>;
}

export const DEFAULT_CONFIG: SimConfig = {
  apiKey: "sk-sim-edgegate",
  extraApiKeys: [],
  webhookUrl: null,
  webhookSecret: "whsec_c2ltdWxhdG9yLXdlYmhvb2stc2VjcmV0LWtleQ==",
  fineTuneStepMs: 200,
  realtimeMaxSessionSeconds: 3600,
  streamChunkDelayMs: 0,
  backgroundStepMs: 20,
};

export function createState(config: Partial<SimConfig> = {}): SimState {
  const state = {
    scope: null,
    scopes: new Map(),
    config: { ...DEFAULT_CONFIG, ...config },
    faults: [],
    requests: new Map(),
    requestsByKey: new Map(),
    ephemeralKeys: new Map(),
    realtimeCalls: new Map(),
  } as Omit<SimState, "root"> as SimState;
  state.root = state;
  return state;
}

const SCOPE = /^[\w-]{1,64}$/;
/** A scope carried in a request id the gateway forwards: `scope-<name>.<anything>`. */
const SCOPED_REQUEST_ID = /^scope-([\w-]{1,64})\./;

/**
 * The scope a request names: its `x-sim-scope` header (control calls, direct calls), else the
 * `scope-<name>.` prefix of its `x-request-id` (calls through a gateway that forwards the id), else
 * the scope that added its bearer key to `extraApiKeys` (that account is the scope's own, whatever
 * request id its calls carry).
 */
export function scopeOf(root: SimState, headers: IncomingHttpHeaders): string | null {
  const explicit = headers["x-sim-scope"];
  if (typeof explicit === "string" && SCOPE.test(explicit)) return explicit;
  const requestId = headers["x-request-id"];
  const named = typeof requestId === "string" ? SCOPED_REQUEST_ID.exec(requestId)?.[1] : undefined;
  if (named !== undefined) return named;
  const key = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1]?.trim();
  if (!key || key === root.config.apiKey || root.config.extraApiKeys.includes(key)) return null;
  for (const [scope, state] of root.scopes) if (state.config.extraApiKeys.includes(key)) return scope;
  return null;
}

/** Scoped states kept at most; the least recently created is forgotten first. */
const MAX_SCOPES = 1_000;

/** The state a request with this scope sees (the root state for null). */
export function scopedState(root: SimState, scope: string | null): SimState {
  if (scope === null) return root;
  const existing = root.scopes.get(scope);
  if (existing) return existing;
  const state: SimState = {
    ...root,
    scope,
    config: { ...root.config, extraApiKeys: [...root.config.extraApiKeys] },
    faults: [],
    requests: new Map(),
    requestsByKey: new Map(),
  };
  root.scopes.set(scope, state);
  for (const oldest of root.scopes.keys()) {
    if (root.scopes.size <= MAX_SCOPES) break;
    root.scopes.delete(oldest);
  }
  return state;
}

/** Counts one request under its `"METHOD /path"` key (in `requests`, or the map given). */
export function countRequest(
  state: SimState,
  method: string,
  path: string,
  counts: Map<string, number> = state.requests,
): void {
  const key = `${method.toUpperCase()} ${path}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Adds a fault; `count` defaults to 1 except for pure latency, which lasts until reset. */
export function addFault(state: SimState, spec: FaultSpec): void {
  const pureLatency =
    spec.latencyMs !== undefined &&
    spec.errorStatus === undefined &&
    spec.cutStreamAfterEvents === undefined &&
    spec.cutJsonAfterBytes === undefined &&
    spec.stallStreamAfterEvents === undefined &&
    spec.dropWebSocketAfterEvents === undefined &&
    !spec.refuseConnection;
  const remaining = spec.count ?? (pureLatency ? Number.POSITIVE_INFINITY : 1);
  state.faults.push({ ...spec, remaining });
}

/**
 * Takes the first fault matching `routeKey` and consumes one use of it. Latency-only faults are
 * returned merged with the consumed fault so a request can both wait and fail.
 */
export function takeFault(state: SimState, routeKey: string): FaultSpec | undefined {
  let merged: FaultSpec | undefined;
  for (const fault of state.faults) {
    if (fault.remaining <= 0) continue;
    if (fault.route !== undefined && fault.route !== routeKey) continue;
    fault.remaining -= 1;
    merged = { ...merged, ...fault };
  }
  state.faults = state.faults.filter((f) => f.remaining > 0);
  return merged;
}

/** Clears faults and counters: of one scope, or (unscoped) of the simulator and every scope. */
export function resetState(state: SimState): void {
  state.faults = [];
  state.requests.clear();
  state.requestsByKey.clear();
  if (state.scope === null) state.scopes.clear();
}
