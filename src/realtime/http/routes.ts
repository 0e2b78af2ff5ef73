/**
 * `/v1/realtime`: the WebSocket upgrade handed to the user's `RealtimeSession` Durable Object,
 * `POST /v1/realtime/calls` for WebRTC calls through the gateway, and `POST /v1/realtime/client_secrets`
 * for WebRTC clients that connect to the provider directly.
 * @see https://platform.openai.com/docs/guides/realtime-websocket
 * @see https://platform.openai.com/docs/api-reference/realtime-sessions/create-realtime-client-secret
 */
import { z } from "@hono/zod-openapi";
import { lifecycleNow } from "../../models/clock";
import { GatewayError } from "../../platform/errors";
import { ErrorSchema, errorResponses } from "../../platform/openapi";
import { routeKit } from "../../platform/route-kit";
import { enforceRateLimit } from "../../ratelimit";
import {
  encodePolicy,
  INLINE_POLICY_MAX_CHARS,
  POLICY_HEADER,
  POLICY_TICKET_HEADER,
  resolvePolicy,
  SUBPROTOCOL_HEADER,
} from "../policy/realtime-policy";
import { mintClientSecret } from "./client-secrets";
import { ClientSecretRequestSchema, ClientSecretSchema, RealtimeQuerySchema } from "./schemas";
import { assertTarget, policyFor, sessionUserOf } from "./session-access";
import { createCall } from "./webrtc-calls";

const errorJson = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

function offersRealtimeProtocol(req: Request): boolean {
  const offered = req.headers.get("sec-websocket-protocol") ?? "";
  return offered.split(",").some((p) => p.trim() === "realtime");
}

const { router: realtime, route } = routeKit({ tags: ["Realtime"] });

export { realtime };

realtime.openapi(
  route({
    method: "get",
    path: "/",
    summary: "Open a Realtime WebSocket session (GA protocol)",
    description:
      'Upgrade with `Upgrade: websocket`. A plain GET runs the same checks and answers 426 when they pass (browsers, which cannot read a refused handshake, can ask why with it). Authenticate with an API key (with `X-User-Id` naming the end user; without it the session belongs to the user `key:<key id>`, as for a server-to-server SDK client), or an end-user token, in `Authorization` or the subprotocol `openai-insecure-api-key.<credential>` (with `realtime`, which is echoed). Every refusal before the upgrade is an HTTP error with OpenAI\'s error body. Name a `model`, or `intent=transcription` for a transcription-only session. Reattach to a dropped session with `session_id` and `last_event_id`. A client may acknowledge what it has read with the gateway\'s own client event `{"type":"edgegate.ack","last_event_id":"…"}` (never forwarded): from then on, falling behind by more than half the replay buffer ends its connection with an `error` `client_too_slow` and close 1008, and it can reattach from its last ack. Every client event except a plain `input_audio_buffer.append` is parsed and forwarded re-serialised, with the tenant\'s policy applied to `session.update`, `transcription_session.update` and `response.create` (enforced instructions, allowed voices and models, MCP tools only for servers in `realtime.mcp_servers`); an event that is not a JSON object with a string `type` gets an `error` event (`invalid_json` or `invalid_event`) and is not forwarded.',
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
    const userId = sessionUserOf(principal);
    const { model, intent, session_id: sessionId } = c.req.valid("query");
    const warnings = sessionId ? {} : assertTarget(principal, model, intent, lifecycleNow(c.env));
    await enforceRateLimit(c.env, principal, principal.userId);
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
    const headers: Record<string, string> = { upgrade: "websocket", "x-request-id": c.get("requestId") };
    if (encoded.length <= INLINE_POLICY_MAX_CHARS) headers[POLICY_HEADER] = encoded;
    else headers[POLICY_TICKET_HEADER] = await stub.stagePolicy(policy);
    if (offersRealtimeProtocol(c.req.raw)) headers[SUBPROTOCOL_HEADER] = "realtime";
    const res = await stub.fetch(
      new Request(`https://realtime.internal/v1/realtime${new URL(c.req.url).search}`, { headers }),
    );
    // Responses from a stub are immutable; the request-id middleware needs to add its header.
    if (res.webSocket) {
      const upgraded = new Headers(res.headers);
      for (const [name, value] of Object.entries(warnings)) upgraded.set(name, value);
      return new Response(null, { status: 101, webSocket: res.webSocket, headers: upgraded });
    }
    return new Response(res.body, res);
  },
);

realtime.openapi(
  route({
    method: "post",
    path: "/client_secrets",
    summary: "Mint an ephemeral client secret with the tenant's session policy forced in",
    description:
      "For WebRTC clients that connect to the provider directly. The session's model (for `type: \"transcription\"`, its transcription model) must be allowed, and an input transcription model must be in the tenant's `allowed_models`; the tenant's enforced instructions and default voice are set, a voice outside `allowed_voices` is refused (403 `voice_not_allowed`), and MCP tools must name a server in `realtime.mcp_servers` (403 `mcp_server_not_allowed`). `expires_after.seconds` is cut to the tenant's `realtime.client_secret_ttl_seconds` (default 600). Each unexpired secret holds one of the user's concurrent-session slots and is refused (429 `too_many_sessions` or `quota_exceeded`) when the user has none left or used up a daily quota; an API key without `X-User-Id` counts as the user `key:<key id>`. The provider cannot lock a direct session: its end user can still send `session.update` over the data channel, and its length and usage are not metered by the gateway (use the WebSocket or `/v1/realtime/calls` for that). The tenant's server-side tools are left out: nobody would run them.",
    request: {
      body: { required: true, content: { "application/json": { schema: ClientSecretRequestSchema } } },
    },
    responses: {
      200: {
        description: "The upstream's client secret",
        content: { "application/json": { schema: ClientSecretSchema } },
      },
      ...errorResponses,
      403: errorJson("Model, voice or MCP server not allowed for the tenant"),
      429: errorJson("Too many sessions or unexpired secrets, rate limit or daily quota reached"),
      502: errorJson("The upstream failed; its error is passed on"),
    },
  }),
  async (c) => c.json(await mintClientSecret(c, c.req.valid("json")), 200),
);

realtime.openapi(
  route({
    method: "post",
    path: "/calls",
    summary: "Start a WebRTC call through the gateway (SDP offer in, SDP answer out)",
    description:
      'The body is the SDP offer, either as `application/sdp` (with an optional `?model=`) or as `multipart/form-data` with an `sdp` part and an optional `session` part (a GA session config, `type: "realtime"`). Authenticate like the WebSocket: an API key with `X-User-Id` (without it the user is `key:<key id>`), or an end-user token. The tenant\'s policy is forced into the session, its server-side tools included: the gateway joins the call over a sideband WebSocket to run them and to record usage and transcripts. The model must be allowed, a voice outside `allowed_voices` is refused, and MCP tools must name a server in `realtime.mcp_servers` (403 `mcp_server_not_allowed`). Answers 201 with the SDP answer and `Location: /v1/realtime/calls/{call_id}`.',
    responses: {
      201: {
        description: "The SDP answer; `Location` names the call",
        content: { "application/sdp": { schema: z.string() } },
      },
      ...errorResponses,
      403: errorJson("Model, voice or MCP server not allowed for the tenant"),
      415: errorJson("Not an SDP offer"),
      429: errorJson("Too many sessions, rate limit or daily quota reached"),
      502: errorJson("The upstream failed; its error is passed on"),
    },
  }),
  (c) => createCall(c),
);
