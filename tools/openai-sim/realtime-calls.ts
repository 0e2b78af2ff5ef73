/**
 * Simulated WebRTC calls: `POST /v1/realtime/calls` (an SDP offer in, a fake SDP answer and a
 * `Location` with the `rtc_…` call id out), `POST /v1/realtime/calls/{id}/hangup`, and the sideband
 * WebSocket `?call_id=` that joins a call's session. There is no media: a test plays the WebRTC peer
 * by posting the events its data channel would carry to `POST /__sim/realtime/calls/{id}/events`.
 * @see docs/openai-reference.md A.4
 */
import { randomBytes } from "node:crypto";
import { sessionConfig } from "./client-secrets";
import { badRequest, type JsonObject, notFound } from "./errors";
import { json, param, parseJsonObject, parseJsonValue, type Reply, type Route } from "./http";
import { boundaryOf, parseMultipart } from "./multipart";
import { handleClientFrame } from "./realtime-client-events";
import type { RealtimeConnection } from "./realtime-connection";
import type { SimState } from "./state";
import { randomId } from "./text";

const MAX_CALLS = 10_000;
const sidebands = new WeakMap<SimState, Map<string, Set<RealtimeConnection>>>();

function sidebandsOf(state: SimState, callId: string): Set<RealtimeConnection> {
  const byCall = sidebands.get(state.root) ?? new Map<string, Set<RealtimeConnection>>();
  sidebands.set(state.root, byCall);
  const set = byCall.get(callId) ?? new Set<RealtimeConnection>();
  byCall.set(callId, set);
  return set;
}

/** The session config of a live call, or null when there is no such call. */
export function callSession(state: SimState, callId: string): JsonObject | null {
  return state.realtimeCalls.get(callId)?.session ?? null;
}

/** A sideband socket joined the call: it gets the call's events and can steer it. */
export function joinCall(state: SimState, callId: string, conn: RealtimeConnection): void {
  const set = sidebandsOf(state, callId);
  set.add(conn);
  const dispose = conn.onDispose;
  conn.onDispose = () => {
    set.delete(conn);
    dispose?.();
  };
}

/** A plausible SDP answer: audio plus the `oai-events` data channel (no real ICE or DTLS). */
function sdpAnswer(): string {
  const hex = (n: number) => randomBytes(n).toString("hex");
  const fingerprint = (hex(32).match(/../g) ?? []).join(":").toUpperCase();
  return `${[
    "v=0",
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "c=IN IP4 0.0.0.0",
    "a=mid:0",
    "a=sendrecv",
    "a=rtpmap:111 opus/48000/2",
    `a=ice-ufrag:${hex(4)}`,
    `a=ice-pwd:${hex(12)}`,
    `a=fingerprint:sha-256 ${fingerprint}`,
    "a=setup:active",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    "a=mid:1",
    "a=sctp-port:5000",
  ].join("\r\n")}\r\n`;
}

/** The offer and session of a create request: multipart (`sdp`, `session`) or a raw SDP body. */
function parseCreate(contentType: string, body: Buffer): { sdp: string; session: JsonObject } {
  const boundary = boundaryOf(contentType);
  if (boundary !== undefined) {
    const form = parseMultipart(body, boundary);
    const sdp = form.fields.get("sdp") ?? form.files.get("sdp")?.data.toString("utf8");
    if (sdp === undefined)
      throw badRequest("Missing required parameter: 'sdp'.", "sdp", "missing_required_parameter");
    const raw = form.fields.get("session") ?? form.files.get("session")?.data.toString("utf8");
    return { sdp, session: raw === undefined ? {} : parseJsonObject(Buffer.from(raw)) };
  }
  if (!contentType.startsWith("application/sdp")) {
    throw badRequest("Send the SDP offer as application/sdp, or multipart/form-data with an 'sdp' part.");
  }
  return { sdp: body.toString("utf8"), session: {} };
}

function createCall(state: SimState, contentType: string, body: Buffer): Reply {
  const { sdp, session } = parseCreate(contentType, body);
  if (!sdp.startsWith("v=0")) throw badRequest("The SDP offer is not valid SDP.", "sdp", "invalid_offer");
  const id = randomId("rtc_", 32, "0123456789abcdef");
  if (state.realtimeCalls.size >= MAX_CALLS) state.realtimeCalls.clear();
  state.realtimeCalls.set(id, { id, session: sessionConfig({ session: { type: "realtime", ...session } }) });
  return {
    kind: "raw",
    status: 201,
    body: sdpAnswer(),
    contentType: "application/sdp",
    headers: { location: `/v1/realtime/calls/${id}` },
  };
}

function hangUp(state: SimState, callId: string): Reply {
  if (!state.realtimeCalls.delete(callId))
    throw notFound(`Call '${callId}' not found.`, null, "call_not_found");
  for (const conn of [...sidebandsOf(state, callId)]) conn.close(1000, "call ended");
  return { kind: "raw", status: 200, body: "", contentType: "text/plain" };
}

export const realtimeCallRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/realtime\/calls$/,
    handler: async (ctx) =>
      createCall(ctx.state, ctx.req.headers["content-type"] ?? "", await ctx.readBody()),
  },
  {
    method: "POST",
    pattern: /^\/v1\/realtime\/calls\/([^/]+)\/hangup$/,
    handler: (ctx) => hangUp(ctx.state, param(ctx, 0)),
  },
];

/** `/__sim` routes that play the WebRTC peer of a call. */
export const realtimeCallControlRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/__sim\/realtime\/calls\/([^/]+)$/,
    handler: (ctx) => {
      const id = param(ctx, 0);
      if (!ctx.state.realtimeCalls.has(id)) throw notFound(`Call '${id}' not found.`);
      return json({ id, sidebands: sidebandsOf(ctx.state, id).size });
    },
  },
  {
    method: "POST",
    pattern: /^\/__sim\/realtime\/calls\/([^/]+)\/events$/,
    handler: async (ctx) => {
      const id = param(ctx, 0);
      const [conn] = sidebandsOf(ctx.state, id);
      if (!conn) throw notFound(`Call '${id}' has no sideband connection to carry the peer's events.`);
      const raw = parseJsonValue(await ctx.readBody());
      const events = Array.isArray(raw) ? raw : [raw];
      for (const event of events) handleClientFrame(conn, Buffer.from(JSON.stringify(event)), false);
      return json({ delivered: events.length });
    },
  },
];
