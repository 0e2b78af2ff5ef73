/**
 * `/v1/realtime`: the WebSocket upgrade handed to the user's `RealtimeSession` Durable Object,
 * `POST /v1/realtime/calls` for WebRTC calls through the gateway, and `POST /v1/realtime/client_secrets`
 * for WebRTC clients that connect to the provider directly.
 * @see https://platform.openai.com/docs/guides/realtime-websocket
 * @see https://platform.openai.com/docs/api-reference/realtime-sessions/create-realtime-client-secret
 */
import { createRoute, z } from "@hono/zod-openapi";
import { GatewayError } from "../platform/errors";
import { createApp, ErrorSchema, errorResponses } from "../platform/openapi";
import { enforceRateLimit } from "../ratelimit";
import { postJson } from "../upstream";
import { createCall } from "./calls";
import {
  allowedModelsOf,
  assertRealtimeModel,
  encodePolicy,
  INLINE_POLICY_MAX_CHARS,
  POLICY_HEADER,
  POLICY_TICKET_HEADER,
  resolvePolicy,
  SUBPROTOCOL_HEADER,
} from "./policy";
import { ClientSecretRequestSchema, ClientSecretSchema, RealtimeQuerySchema } from "./schemas";
import {
  assertQuotaLeft,
  assertTarget,
  forcedSession,
  policyFor,
  requireUser,
  upstreamError,
} from "./session-access";

const security = [{ bearer: [] }];
const errorJson = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

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
      'Upgrade with `Upgrade: websocket`. A plain GET runs the same checks and answers 426 when they pass (browsers, which cannot read a refused handshake, can ask why with it). Authenticate with an API key and `X-User-Id`, or an end-user token in `Authorization` or the subprotocol `openai-insecure-api-key.<token>` (with `realtime`, which is echoed). Name a `model`, or `intent=transcription` for a transcription-only session. Reattach to a dropped session with `session_id` and `last_event_id`. A client may acknowledge what it has read with the gateway\'s own client event `{"type":"edgegate.ack","last_event_id":"…"}` (never forwarded): from then on, falling behind by more than half the replay buffer ends its connection with an `error` `client_too_slow` and close 1008, and it can reattach from its last ack.',
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
    const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
    const principal = c.get("principal");
    const userId = requireUser(principal);
    const { model, intent, session_id: sessionId } = c.req.valid("query");
    if (!sessionId) assertTarget(principal, model, intent);
    await enforceRateLimit(c.env, principal, userId);
    // A reattaching session keeps the policy it started with: no registry read needed.
    const policy = sessionId
      ? resolvePolicy(principal, userId, null, [], null)
      : await policyFor(c, userId, model ?? null);
    const stub = c.env.REALTIME.getByName(`${principal.tenant.id}:${userId}`);
    if (!isUpgrade) {
      // A plain GET runs the upgrade's checks: a browser, which cannot read why a handshake was
      // refused, can ask with it. 426 means they all pass.
      const refused = sessionId ? null : await stub.refusal(policy);
      if (refused)
        throw new GatewayError(429, refused.message, { type: "rate_limit_error", code: refused.code });
      throw new GatewayError(
        426,
        "This endpoint speaks WebSocket: send 'Upgrade: websocket'. (This request passed the session's checks: credentials, model, rate limit, concurrent sessions and quotas.)",
        { code: "upgrade_required", headers: { upgrade: "websocket" } },
      );
    }
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
      "For WebRTC clients that connect to the provider directly: the session's model must be allowed, and the tenant's enforced instructions and voice are set. The tenant's server-side tools are left out: the gateway does not relay a direct WebRTC session, so nobody would run them.",
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
      // Server-side tools only run in sessions the gateway relays (or joins, for calls it set up).
      session = forcedSession({ ...policy, tools: [] }, { ...requested, type: "realtime", model });
    }
    await enforceRateLimit(c.env, principal, principal.userId);
    const upstream = await postJson(
      c.env,
      "/realtime/client_secrets",
      { ...body, session },
      c.get("requestId"),
    );
    return c.json(await upstreamJson(upstream), 200);
  },
);

realtime.openapi(
  createRoute({
    method: "post",
    path: "/calls",
    tags: ["Realtime"],
    summary: "Start a WebRTC call through the gateway (SDP offer in, SDP answer out)",
    description:
      'The body is the SDP offer, either as `application/sdp` (with an optional `?model=`) or as `multipart/form-data` with an `sdp` part and an optional `session` part (a GA session config, `type: "realtime"`). Authenticate like the WebSocket: an API key with `X-User-Id`, or an end-user token. The tenant\'s policy is forced into the session, its server-side tools included: the gateway joins the call over a sideband WebSocket to run them and to record usage and transcripts. Answers 201 with the SDP answer and `Location: /v1/realtime/calls/{call_id}`.',
    security,
    responses: {
      201: {
        description: "The SDP answer; `Location` names the call",
        content: { "application/sdp": { schema: z.string() } },
      },
      ...errorResponses,
      403: errorJson("Model or voice not allowed for the tenant"),
      415: errorJson("Not an SDP offer"),
      429: errorJson("Too many sessions, rate limit or daily quota reached"),
      502: errorJson("The upstream failed; its error is passed on"),
    },
  }),
  (c) => createCall(c),
);

/** The upstream's JSON answer, or its error as a GatewayError. */
async function upstreamJson(res: Response): Promise<z.infer<typeof ClientSecretSchema>> {
  if (!res.ok) throw await upstreamError(res);
  const body = (await res.json().catch(() => null)) as z.infer<typeof ClientSecretSchema> | null;
  if (body) return body;
  throw new GatewayError(502, "The upstream answered with a body that is not JSON.", {
    type: "server_error",
  });
}
