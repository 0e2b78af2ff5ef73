/**
 * `/v1/realtime`: the WebSocket upgrade handed to the user's `RealtimeSession` Durable Object, and
 * `POST /v1/realtime/client_secrets` for WebRTC clients.
 * @see https://platform.openai.com/docs/guides/realtime-websocket
 * @see https://platform.openai.com/docs/api-reference/realtime-sessions/create-realtime-client-secret
 */
import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../identity/principal";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { createApp, ErrorSchema, errorResponses } from "../platform/openapi";
import { enforceRateLimit } from "../ratelimit";
import { callUpstream } from "../upstream";
import {
  allowedModelsOf,
  assertRealtimeModel,
  encodePolicy,
  INLINE_POLICY_MAX_CHARS,
  POLICY_HEADER,
  POLICY_TICKET_HEADER,
  type RealtimePolicy,
  resolvePolicy,
  SUBPROTOCOL_HEADER,
} from "./policy";
import { ClientSecretRequestSchema, ClientSecretSchema, RealtimeQuerySchema } from "./schemas";
import { forcePolicy } from "./session-policy";
import { loadToolRegistry } from "./tools-repository";

const security = [{ bearer: [] }];
const errorJson = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The end user a Realtime session belongs to: required, since sessions, quotas and resume are per user. */
function requireUser(principal: Principal): string {
  if (principal.userId !== null) return principal.userId;
  throw new GatewayError(
    400,
    "Realtime sessions belong to an end user: send 'X-User-Id' with an API key, or connect with an end-user token.",
    { param: "X-User-Id", code: "missing_user" },
  );
}

async function policyFor(c: Context<AppEnv>, userId: string, model: string | null): Promise<RealtimePolicy> {
  const principal = c.get("principal");
  const registry = await loadToolRegistry(c.env.DB, principal.tenant.id);
  return resolvePolicy(principal, userId, model, registry.tools, registry.secret);
}

function offersRealtimeProtocol(req: Request): boolean {
  const offered = req.headers.get("sec-websocket-protocol") ?? "";
  return offered.split(",").some((p) => p.trim() === "realtime");
}

export const realtime = createApp();

realtime.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Realtime"],
    summary: "Open a Realtime WebSocket session (GA protocol)",
    description:
      "Upgrade with `Upgrade: websocket`. Authenticate with an API key and `X-User-Id`, or an end-user token in `Authorization` or the subprotocol `openai-insecure-api-key.<token>` (with `realtime`, which is echoed). Reattach to a dropped session with `session_id` and `last_event_id`.",
    security,
    request: { query: RealtimeQuerySchema },
    responses: {
      101: { description: "Switching to the WebSocket protocol" },
      ...errorResponses,
      403: errorJson("Model not allowed for the tenant"),
      426: errorJson("Not a WebSocket upgrade"),
      429: errorJson("Too many sessions, rate limit or daily quota reached"),
    },
  }),
  async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new GatewayError(426, "This endpoint speaks WebSocket: send 'Upgrade: websocket'.", {
        code: "upgrade_required",
        headers: { upgrade: "websocket" },
      });
    }
    const principal = c.get("principal");
    const userId = requireUser(principal);
    const { model, session_id: sessionId } = c.req.valid("query");
    if (!sessionId) {
      if (!model)
        throw new GatewayError(400, "Missing required parameter: 'model'.", {
          param: "model",
          code: "missing_required_parameter",
        });
      assertRealtimeModel(allowedModelsOf(principal), model);
    }
    await enforceRateLimit(c.env, principal, userId);
    // A reattaching session keeps the policy it started with: no registry read needed.
    const policy = sessionId
      ? resolvePolicy(principal, userId, null, [], null)
      : await policyFor(c, userId, model ?? null);
    const stub = c.env.REALTIME.getByName(`${principal.tenant.id}:${userId}`);
    // An upgrade request carries no body: the policy travels in a header, or is staged by RPC when large.
    const encoded = encodePolicy(policy);
    const headers: Record<string, string> = { upgrade: "websocket" };
    if (encoded.length <= INLINE_POLICY_MAX_CHARS) headers[POLICY_HEADER] = encoded;
    else headers[POLICY_TICKET_HEADER] = await stub.stagePolicy(policy);
    if (offersRealtimeProtocol(c.req.raw)) headers[SUBPROTOCOL_HEADER] = "realtime";
    const res = await stub.fetch(
      new Request(`https://realtime.internal/v1/realtime${new URL(c.req.url).search}`, { headers }),
    );
    // Responses from a stub are immutable; the request-id middleware needs to add its header.
    if (res.webSocket)
      return new Response(null, { status: 101, webSocket: res.webSocket, headers: res.headers });
    return new Response(res.body, res);
  },
);

realtime.openapi(
  createRoute({
    method: "post",
    path: "/client_secrets",
    tags: ["Realtime"],
    summary: "Mint an ephemeral client secret with the tenant's session policy forced in",
    description:
      "For WebRTC clients that connect to the provider directly: the session's model must be allowed, and the tenant's enforced instructions, voice and tools are set. The gateway does not relay (or run tools for) WebRTC sessions.",
    security,
    request: {
      body: { required: true, content: { "application/json": { schema: ClientSecretRequestSchema } } },
    },
    responses: {
      200: {
        description: "The upstream's client secret",
        content: { "application/json": { schema: ClientSecretSchema } },
      },
      ...errorResponses,
      403: errorJson("Model not allowed for the tenant"),
      429: errorJson("Rate limit or daily quota reached"),
      502: errorJson("The upstream failed; its error is passed on"),
    },
  }),
  async (c) => {
    const principal = c.get("principal");
    const body = c.req.valid("json");
    const requested = body.session ?? { type: "realtime" };
    let session: Record<string, unknown> = requested;
    if (requested.type !== "transcription") {
      const model = typeof requested.model === "string" ? requested.model : "gpt-realtime";
      assertRealtimeModel(allowedModelsOf(principal), model, "session.model");
      const policy = await policyFor(c, principal.userId ?? "", model);
      if (principal.userId !== null) await assertQuotaLeft(c, policy);
      const forced = forcePolicy(policy, { ...requested, type: "realtime", model });
      if ("violation" in forced) {
        const { code, message, param } = forced.violation;
        throw new GatewayError(code === "invalid_event" ? 400 : 403, message, { code, param });
      }
      session = forced.session;
    }
    await enforceRateLimit(c.env, principal, principal.userId);
    const upstream = await callUpstream(c.env, {
      method: "POST",
      path: "/realtime/client_secrets",
      body: JSON.stringify({ ...body, session }),
      contentType: "application/json",
      requestId: c.get("requestId"),
    });
    return c.json(await upstreamJson(upstream), 200);
  },
);

/** The upstream's JSON answer, or its error (status, message and code kept) as a GatewayError. */
async function upstreamJson(res: Response): Promise<z.infer<typeof ClientSecretSchema>> {
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.ok && body) return body as z.infer<typeof ClientSecretSchema>;
  const error = (body?.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown; param?: unknown };
  const status = (res.ok ? 502 : res.status) as ContentfulStatusCode;
  throw new GatewayError(
    status,
    typeof error.message === "string" ? error.message : `The upstream answered HTTP ${res.status}.`,
    {
      type: typeof error.type === "string" ? error.type : undefined,
      code: typeof error.code === "string" ? error.code : null,
      param: typeof error.param === "string" ? error.param : null,
    },
  );
}

async function assertQuotaLeft(c: Context<AppEnv>, policy: RealtimePolicy): Promise<void> {
  if (policy.dailyAudioSeconds === null && policy.dailyTokens === null) return;
  const stub = c.env.REALTIME.getByName(`${policy.tenantId}:${policy.userId}`);
  const message = await stub.quotaExceeded(policy);
  if (message !== null)
    throw new GatewayError(429, message, { type: "rate_limit_error", code: "quota_exceeded" });
}
