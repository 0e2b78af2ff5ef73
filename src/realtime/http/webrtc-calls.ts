/**
 * `POST /v1/realtime/calls`: a WebRTC call set up through the gateway. The caller's SDP offer goes
 * upstream with the provider key and the tenant's policy forced into the session (its server-side
 * tools included); the SDP answer comes back, and the user's Durable Object joins the call over a
 * sideband WebSocket (`?call_id=`) to run those tools, enforce the session's length and quotas, and
 * record usage and transcripts. Media and the `oai-events` data channel flow between the caller and
 * the provider directly.
 * @see docs/openai-reference.md A.1, A.4
 * @see https://platform.openai.com/docs/guides/realtime-webrtc
 */
import type { Context } from "hono";
import { lifecycleNow } from "../../models/clock";
import type { AppEnv } from "../../platform/env";
import { GatewayError } from "../../platform/errors";
import { enforceRateLimit } from "../../ratelimit";
import { callUpstream } from "../../upstream";
import { admitRealtimeModel, DEFAULT_REALTIME_MODEL } from "../policy/realtime-policy";
import { hangUpCall } from "../relay/upstream-socket";
import { forcedSession, policyFor, sessionUserOf, upstreamError } from "./session-access";

/** Largest SDP offer accepted (real offers are a few KiB). */
const MAX_SDP_CHARS = 64 * 1024;
/** Largest call request (offer plus session config) read at all. */
const MAX_CALL_BODY_BYTES = 256 * 1024;

type Json = Record<string, unknown>;

async function partText(part: string | File | null): Promise<string | null> {
  if (part === null) return null;
  return typeof part === "string" ? part : await part.text();
}

function parseSession(raw: string | null): Json {
  if (raw === null) return { type: "realtime" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GatewayError(400, "The 'session' part must be a JSON object (a GA session config).", {
      param: "session",
      code: "invalid_value",
    });
  }
  return value as Json;
}

/** The offer and the requested session: multipart (`sdp`, `session`) or a raw `application/sdp` body. */
async function readCallRequest(c: Context<AppEnv>): Promise<{ sdp: string; session: Json }> {
  const type = c.req.header("content-type") ?? "";
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_CALL_BODY_BYTES) {
    throw new GatewayError(
      413,
      `The call request is ${declared} bytes; at most ${MAX_CALL_BODY_BYTES} are accepted (an SDP offer is a few KiB).`,
      { param: "sdp", code: "request_too_large" },
    );
  }
  if (type.startsWith("multipart/form-data")) {
    const form = await c.req.raw.formData().catch(() => null);
    if (form === null)
      throw new GatewayError(400, "The multipart body could not be parsed.", { code: "invalid_body" });
    const sdp = await partText(form.get("sdp"));
    if (sdp === null) {
      throw new GatewayError(400, "Missing required parameter: 'sdp'.", {
        param: "sdp",
        code: "missing_required_parameter",
      });
    }
    return { sdp, session: parseSession(await partText(form.get("session"))) };
  }
  if (type.startsWith("application/sdp")) {
    const model = c.req.query("model");
    return { sdp: await c.req.text(), session: { type: "realtime", ...(model ? { model } : {}) } };
  }
  throw new GatewayError(
    415,
    "Send the SDP offer as 'application/sdp', or as 'multipart/form-data' with an 'sdp' part and an optional 'session' part.",
    { code: "unsupported_media_type" },
  );
}

/** The `rtc_…` id at the end of the upstream's `Location` header. */
function callIdOf(location: string | null): string | null {
  const id = location?.split(/[?#]/)[0]?.split("/").pop();
  return id && /^[\w-]+$/.test(id) ? id : null;
}

export async function createCall(c: Context<AppEnv>): Promise<Response> {
  const principal = c.get("principal");
  const userId = sessionUserOf(principal);
  const { sdp, session: requested } = await readCallRequest(c);
  if (!sdp.startsWith("v=") || sdp.length > MAX_SDP_CHARS) {
    throw new GatewayError(
      400,
      `The SDP offer is not valid SDP (at most ${MAX_SDP_CHARS} characters, starting with 'v=').`,
      {
        param: "sdp",
        code: "invalid_offer",
      },
    );
  }
  if (requested.type !== undefined && requested.type !== "realtime") {
    throw new GatewayError(400, "A call through the gateway is a 'realtime' session.", {
      param: "session.type",
      code: "invalid_value",
    });
  }
  if (requested.model !== undefined && typeof requested.model !== "string") {
    throw new GatewayError(400, "'session.model' must be a string such as 'gpt-realtime'.", {
      param: "session.model",
      code: "invalid_type",
    });
  }
  const model = typeof requested.model === "string" ? requested.model : DEFAULT_REALTIME_MODEL;
  const warnings = admitRealtimeModel(principal, model, lifecycleNow(c.env), "session.model");
  await enforceRateLimit(c.env, principal, principal.userId);
  const policy = await policyFor(c, userId, model);
  const stub = c.env.REALTIME.getByName(`${policy.tenantId}:${userId}`);
  const refused = await stub.refusal(policy);
  if (refused) throw new GatewayError(429, refused.message, { type: "rate_limit_error", code: refused.code });
  const form = new FormData();
  form.set("sdp", sdp);
  form.set("session", JSON.stringify(forcedSession(policy, { ...requested, type: "realtime", model })));
  const encoded = new Request("https://multipart.invalid/", { method: "POST", body: form });
  const upstream = await callUpstream(c.env, {
    method: "POST",
    path: "/realtime/calls",
    body: await encoded.arrayBuffer(),
    contentType: encoded.headers.get("content-type") ?? undefined,
    requestId: c.get("requestId"),
  });
  if (!upstream.ok) throw await upstreamError(upstream);
  const answer = await upstream.text();
  const callId = callIdOf(upstream.headers.get("location"));
  if (callId === null) {
    throw new GatewayError(502, "The upstream answered the call without its id (no 'Location' header).", {
      type: "server_error",
      code: "upstream_invalid_response",
    });
  }
  const { joined, refused: late } = await stub.startCall(policy, callId, model, c.get("requestId"));
  if (late) {
    // Another call of this user took the last slot while this one was set up upstream.
    await hangUpCall(c.env, callId, c.get("requestId"));
    throw new GatewayError(429, late.message, { type: "rate_limit_error", code: late.code });
  }
  if (!joined) {
    // Its tools would never run: end the call rather than hand out one that breaks its policy.
    await hangUpCall(c.env, callId, c.get("requestId"));
    throw new GatewayError(502, "The gateway could not join the call to run its server-side tools; retry.", {
      type: "server_error",
      code: "upstream_unavailable",
    });
  }
  return new Response(answer, {
    status: 201,
    headers: { ...warnings, "content-type": "application/sdp", location: `/v1/realtime/calls/${callId}` },
  });
}
