/**
 * What every Realtime entry point (WebSocket upgrade, client secrets, WebRTC calls) checks before a
 * session exists: its end user, its target model, the tenant's policy and the user's daily quota;
 * and how an upstream refusal is passed on in OpenAI's error shape.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../identity/principal";
import type { AppEnv } from "../../platform/env";
import { GatewayError } from "../../platform/errors";
import { forcePolicy } from "../policy/enforce-session-config";
import { admitRealtimeModel, type RealtimePolicy, resolvePolicy } from "../policy/realtime-policy";
import { loadToolRegistry } from "../tools/tools-repository";

/**
 * The user a Realtime session (WebSocket, call or client secret) belongs to, for its session slots,
 * quotas, resume and records: the end user, or for an API key sent without `X-User-Id` (a
 * server-to-server caller such as the official SDKs' `realtime.connect()`) the key itself,
 * `key:<key id>`. A caller that sends `X-User-Id: key:<key id>` shares those limits, as documented.
 */
export function sessionUserOf(principal: Pick<Principal, "userId" | "keyId">): string {
  return principal.userId ?? `key:${principal.keyId}`;
}

/** The session policy of the request's tenant for `userId`, with the tenant's server tools. */
export async function policyFor(
  c: Context<AppEnv>,
  userId: string,
  model: string | null,
): Promise<RealtimePolicy> {
  const principal = c.get("principal");
  const registry = await loadToolRegistry(c.env.DB, principal.tenant.id);
  return resolvePolicy(principal, userId, model, registry.tools, registry.secret);
}

/**
 * A new session names exactly one of `model` (an allowed one, still served) and
 * `intent=transcription`. Returns the model's lifecycle warning headers.
 */
export function assertTarget(
  principal: Principal,
  model: string | undefined,
  intent: string | undefined,
  now: number,
): Record<string, string> {
  if (model && intent) {
    throw new GatewayError(400, "Send either 'model' or 'intent=transcription', not both.", {
      param: "intent",
      code: "conflicting_parameters",
    });
  }
  if (intent) return {};
  if (!model) {
    throw new GatewayError(400, "Missing required parameter: 'model'.", {
      param: "model",
      code: "missing_required_parameter",
    });
  }
  return admitRealtimeModel(principal, model, now);
}

/** A failed upstream answer as a GatewayError: its status, message, type, code and param kept. */
export async function upstreamError(res: Response): Promise<GatewayError> {
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  const error = (body?.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown; param?: unknown };
  const status = (res.ok ? 502 : res.status) as ContentfulStatusCode;
  return new GatewayError(
    status,
    typeof error.message === "string" ? error.message : `The upstream answered HTTP ${res.status}.`,
    {
      type: typeof error.type === "string" ? error.type : undefined,
      code: typeof error.code === "string" ? error.code : null,
      param: typeof error.param === "string" ? error.param : null,
    },
  );
}

/** A requested session config with the policy forced in, or the policy's refusal (400 or 403). */
export function forcedSession(
  policy: RealtimePolicy,
  session: Record<string, unknown>,
): Record<string, unknown> {
  const forced = forcePolicy(policy, session);
  if ("session" in forced) return forced.session;
  const { code, message, param } = forced.violation;
  throw new GatewayError(code === "invalid_event" ? 400 : 403, message, { code, param });
}
