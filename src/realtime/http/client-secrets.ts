/**
 * `POST /v1/realtime/client_secrets`: an `ek_…` secret for a WebRTC client that connects to the
 * provider directly. The gateway never sees that session, so everything it can enforce is enforced
 * when minting: the model (and a transcription session's model) must be allowed, the tenant's
 * instructions, voice and MCP allow-list are forced into the session config, the secret's lifetime is
 * capped, and the secret holds one of the user's session slots until it expires (refused with 429
 * when the user has none left or used up a daily quota).
 * @see docs/openai-reference.md A.3
 * @see https://platform.openai.com/docs/api-reference/realtime-sessions/create-realtime-client-secret
 */

import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { lifecycleNow } from "../../models/clock";
import type { AppEnv } from "../../platform/env";
import { GatewayError } from "../../platform/errors";
import { enforceRateLimit } from "../../ratelimit";
import { postJson } from "../../upstream";
import { admitRealtimeModel, DEFAULT_REALTIME_MODEL, type RealtimePolicy } from "../policy/realtime-policy";
import { REALTIME_DEFAULTS } from "../policy/settings";
import type { ClientSecretRequestSchema, ClientSecretSchema } from "./schemas";
import { forcedSession, policyFor, sessionUserOf, upstreamError } from "./session-access";

type ClientSecret = z.infer<typeof ClientSecretSchema>;

/** The session config the secret is bound to, with the policy forced in (or refused: 400/403). */
function sessionFor(policy: RealtimePolicy, requested: Record<string, unknown>): Record<string, unknown> {
  if (requested.type === "transcription") {
    // A transcription session has no instructions, voice or tools: only its model is checked.
    return forcedSession({ ...policy, instructions: null, allowedVoices: null, tools: [] }, requested);
  }
  // Server-side tools only run in sessions the gateway relays (or joins, for calls it set up).
  return forcedSession({ ...policy, tools: [] }, { ...requested, type: "realtime", model: policy.model });
}

/** The upstream's JSON answer, or its error as a GatewayError. */
async function upstreamJson(res: Response): Promise<ClientSecret> {
  if (!res.ok) throw await upstreamError(res);
  const body = (await res.json().catch(() => null)) as ClientSecret | null;
  if (body) return body;
  throw new GatewayError(502, "The upstream answered with a body that is not JSON.", {
    type: "server_error",
  });
}

export async function mintClientSecret(
  c: Context<AppEnv>,
  body: z.infer<typeof ClientSecretRequestSchema>,
): Promise<ClientSecret> {
  const principal = c.get("principal");
  const userId = sessionUserOf(principal);
  const requested = body.session ?? { type: "realtime" };
  const model =
    requested.type === "transcription"
      ? null
      : typeof requested.model === "string"
        ? requested.model
        : DEFAULT_REALTIME_MODEL;
  if (model !== null) {
    const warnings = admitRealtimeModel(principal, model, lifecycleNow(c.env), "session.model");
    for (const [name, value] of Object.entries(warnings)) c.header(name, value);
  }
  const policy = await policyFor(c, userId, model);
  const session = sessionFor(policy, requested);
  await enforceRateLimit(c.env, principal, principal.userId);
  const maxSeconds =
    principal.tenant.settings.realtime?.client_secret_ttl_seconds ??
    REALTIME_DEFAULTS.client_secret_ttl_seconds;
  const seconds = Math.min(body.expires_after?.seconds ?? maxSeconds, maxSeconds);
  const stub = c.env.REALTIME.getByName(`${policy.tenantId}:${userId}`);
  const held = await stub.holdSecret(policy, Date.now() + seconds * 1000);
  if (held.refused !== null) {
    throw new GatewayError(429, held.refused.message, { type: "rate_limit_error", code: held.refused.code });
  }
  try {
    const upstream = await postJson(
      c.env,
      "/realtime/client_secrets",
      { expires_after: { anchor: "created_at", seconds }, session },
      c.get("requestId"),
    );
    return await upstreamJson(upstream);
  } catch (err) {
    await stub.releaseSecret(held.hold);
    throw err;
  }
}
