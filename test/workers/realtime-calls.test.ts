import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createTenant, errorOf, gw } from "./helpers/gateway";
import { eventually, recordedSession, upgrade } from "./helpers/realtime";
import { serveLookupOrder, type ToolServer } from "./helpers/realtime-tools";
import { sim, simFetch } from "./helpers/sim";

const OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

let toolServer: ToolServer | null = null;
afterEach(() => {
  toolServer?.stop();
  toolServer = null;
});

function startCall(key: string, session: Record<string, unknown>, user: string | null = "caller") {
  const form = new FormData();
  form.set("sdp", new File([OFFER], "offer.sdp", { type: "application/sdp" }));
  form.set("session", JSON.stringify(session));
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (user !== null) headers["x-user-id"] = user;
  return gw("/v1/realtime/calls", { method: "POST", headers, body: form });
}

/** The simulator's view of a call: how many sideband sockets joined it (404 once hung up). */
const simCall = (callId: string) => simFetch(`/__sim/realtime/calls/${callId}`);

/** The call id of a `201` answer, from its `Location`. */
const callIdOf = (res: Response) => (res.headers.get("location") ?? "").split("/").pop() ?? "";

/** Waits until the provider no longer has the call (it was hung up); the last status seen. */
const awaitHangUp = (callId: string, waitMs: number) =>
  eventually(
    async () => (await simCall(callId)).status,
    (status) => status === 404,
    waitMs,
  );

/** Plays the WebRTC caller: events its data channel would carry to the provider. */
async function callerSends(callId: string, events: Record<string, unknown>[]): Promise<void> {
  const res = await simFetch(`/__sim/realtime/calls/${callId}/events`, {
    method: "POST",
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(200);
}

describe("WebRTC calls through the gateway", () => {
  it("answers the SDP offer and runs the tenant's tools for the call over a sideband socket", async () => {
    const tenant = await createTenant({ realtime: { instructions: "Be brief." } });
    const tools = await serveLookupOrder(tenant.id, () => Response.json({ status: "shipped" }));
    toolServer = tools;

    const res = await startCall(tenant.key, { type: "realtime", model: "gpt-realtime" });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/sdp");
    expect(await res.text()).toMatch(/^v=0\r\n/);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^\/v1\/realtime\/calls\/rtc_[0-9a-f]+$/);
    const callId = location.split("/").pop() ?? "";
    const joined = await eventually(
      async () => ((await (await simCall(callId)).json()) as { sidebands: number }).sidebands,
      (n) => n === 1,
    );
    expect(joined).toBe(1);

    await callerSends(callId, [
      {
        type: "conversation.item.create",
        item: {
          type: "message",
          role: "user",
          content: [{ type: "input_text", text: "lookup_order for Alice" }],
        },
      },
      { type: "response.create" },
    ]);
    const detail = await eventually(
      () => recordedSession(tenant.id, callId),
      (d) => d.items?.some((i) => i.role === "assistant") === true,
    );
    expect(detail).toMatchObject({ id: callId, status: "active", instructions: "Be brief." });
    expect(detail.items.map((i) => [i.type, i.role, i.text, i.server_tool])).toEqual([
      ["message", "user", "lookup_order for Alice", false],
      ["function_call", null, null, true],
      ["function_call_output", null, null, true],
      ["message", "assistant", "The lookup_order result is status shipped.", false],
    ]);
    expect(tools.requests).toHaveLength(1);
    expect(tools.requests[0]?.signatureValid).toBe(true);
    expect(tools.requests[0]?.payload).toMatchObject({
      session_id: callId,
      user: "caller",
      name: "lookup_order",
    });

    // The sideband is the gateway's own: no WebSocket client can take it over.
    const reattach = await upgrade({ key: tenant.key, user: "caller", query: `session_id=${callId}` });
    expect(reattach.status).toBe(404);

    // The caller hangs up: the sideband closes and the session ends.
    const hangup = await fetch(`${env.OPENAI_BASE_URL}/realtime/calls/${callId}/hangup`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` },
    });
    expect(hangup.status).toBe(200);
    const ended = await eventually(
      () => recordedSession(tenant.id, callId),
      (d) => d.status === "ended",
    );
    expect(ended).toMatchObject({ status: "ended", end_reason: "upstream_closed", tool_calls: 1 });
    expect(ended.usage.responses).toBe(2);
  });

  it("hangs the call up when the gateway ends its session (the tenant's maximum length)", async () => {
    const tenant = await createTenant({ realtime: { max_session_seconds: 1 } });
    const res = await startCall(tenant.key, { type: "realtime" });
    expect(res.status).toBe(201);
    const callId = callIdOf(res);
    const gone = await awaitHangUp(callId, 4000);
    expect(gone).toBe(404);
    const detail = await eventually(
      () => recordedSession(tenant.id, callId),
      (d) => d.status === "ended",
    );
    expect(detail.end_reason).toBe("max_duration");
  });

  it.each([
    ["drops", {}, "upstream_disconnected"],
    ["is closed with 1013 (try again later)", { closeWebSocketCode: 1013 }, "upstream_try_again_later"],
  ])(
    "hangs the call up when its sideband %s, so it cannot run on without limits",
    async (_, close, reason) => {
      const tenant = await createTenant();
      // The sideband's first event is its `session.created`: the gateway has joined when it goes.
      await sim.fault({ route: "GET /v1/realtime", dropWebSocketAfterEvents: 1, ...close, count: 1 });
      const res = await startCall(tenant.key, { type: "realtime" });
      expect(res.status).toBe(201);
      const callId = callIdOf(res);
      const detail = await eventually(
        () => recordedSession(tenant.id, callId),
        (d) => d.status === "ended",
      );
      expect(detail.end_reason).toBe(reason);
      const gone = await awaitHangUp(callId, 3000);
      expect(gone).toBe(404);
    },
  );

  it("hangs up the calls of a session object that restarted (their sidebands died with it)", async () => {
    const tenant = await createTenant();
    const res = await startCall(tenant.key, { type: "realtime" }, "restarts");
    expect(res.status).toBe(201);
    const callId = callIdOf(res);
    const stub = env.REALTIME.getByName(`${tenant.id}:restarts`);
    await expect(
      runInDurableObject(stub, (_instance, state) => state.abort("test: the object restarts")),
    ).rejects.toThrow();
    // The next request (through a new stub: the old one is broken) starts a new incarnation, which
    // finds the call among its abandoned sessions.
    await runInDurableObject(env.REALTIME.getByName(`${tenant.id}:restarts`), () => undefined);
    const gone = await awaitHangUp(callId, 3000);
    expect(gone).toBe(404);
    const detail = await eventually(
      () => recordedSession(tenant.id, callId),
      (d) => d.status === "ended",
    );
    expect(detail.end_reason).toBe("gateway_restarted");
  });

  it("hangs up and answers 502 when it cannot join the call to run its tools", async () => {
    const hangups = async () => {
      const { requests } = await sim.stats();
      return Object.keys(requests).filter((key) => /^POST \/v1\/realtime\/calls\/rtc_\w+\/hangup$/.test(key));
    };
    const before = await hangups();
    const tenant = await createTenant();
    await sim.fault({ route: "GET /v1/realtime", errorStatus: 503 });
    const res = await startCall(tenant.key, { type: "realtime" });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_unavailable");
    const hungUp = (await hangups()).filter((key) => !before.includes(key));
    expect(hungUp).toHaveLength(1);
    const callId = hungUp[0]?.split("/")[4] ?? "";
    expect((await simCall(callId)).status).toBe(404);
  });

  it("holds the per-user session limit for calls set up in parallel, hanging up the one over it", async () => {
    const hangups = async () => {
      const stats = await sim.stats();
      return Object.keys(stats.requests).filter((k) =>
        /^POST \/v1\/realtime\/calls\/rtc_\w+\/hangup$/.test(k),
      );
    };
    const before = await hangups();
    const upstreamBefore = await sim.requests("POST /v1/realtime/calls");
    const tenant = await createTenant({ realtime: { max_concurrent_sessions_per_user: 1 } });
    // A slow upstream makes both calls pass the first check before either is counted.
    await sim.fault({ route: "POST /v1/realtime/calls", latencyMs: 300, count: 2 });
    const [a, b] = await Promise.all([
      startCall(tenant.key, { type: "realtime" }, "busy"),
      startCall(tenant.key, { type: "realtime" }, "busy"),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 429]);
    const refused = a.status === 429 ? a : b;
    expect((await errorOf(refused)).code).toBe("too_many_sessions");
    const accepted = a.status === 201 ? a : b;
    const callId = callIdOf(accepted);
    expect((await simCall(callId)).status).toBe(200);
    // The refused call was set up upstream before the limit caught it: it is hung up, not left open.
    expect(await sim.requests("POST /v1/realtime/calls")).toBe(upstreamBefore + 2);
    const hungUp = (await hangups()).filter((k) => !before.includes(k));
    expect(hungUp).toHaveLength(1);
    expect(hungUp[0]).not.toContain(callId);
  });

  it("refuses a call whose session adds an MCP server the tenant does not list", async () => {
    const tenant = await createTenant({ realtime: { mcp_servers: ["connector_googledrive"] } });
    const before = await sim.requests("POST /v1/realtime/calls");
    const mcp = (tool: Record<string, unknown>) =>
      startCall(tenant.key, { type: "realtime", tools: [{ type: "mcp", server_label: "x", ...tool }] });
    const refused = await mcp({ server_url: "https://evil.example/mcp" });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({
      code: "mcp_server_not_allowed",
      param: "session.tools[0]",
    });
    expect((await mcp({ connector_id: "connector_gmail" })).status).toBe(403);
    expect(await sim.requests("POST /v1/realtime/calls")).toBe(before);
  });

  it("refuses a call with a model the tenant does not allow, or without an offer", async () => {
    const tenant = await createTenant({ allowed_models: ["gpt-realtime"] });
    const before = await sim.requests("POST /v1/realtime/calls");
    // An API key without X-User-Id is the user key:<key id>: the model is what is refused here.
    const noUser = await startCall(tenant.key, { type: "realtime", model: "gpt-realtime-mini" }, null);
    expect(noUser.status).toBe(403);
    const model = await startCall(tenant.key, { type: "realtime", model: "gpt-realtime-mini" });
    expect(model.status).toBe(403);
    expect(await errorOf(model)).toMatchObject({ code: "model_not_allowed", param: "session.model" });
    const json = await gw("/v1/realtime/calls", {
      method: "POST",
      headers: {
        authorization: `Bearer ${tenant.key}`,
        "x-user-id": "u",
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(json.status).toBe(415);
    const notSdp = await gw("/v1/realtime/calls", {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.key}`, "x-user-id": "u", "content-type": "application/sdp" },
      body: "hello",
    });
    expect(notSdp.status).toBe(400);
    expect((await errorOf(notSdp)).param).toBe("sdp");
    const numericModel = await startCall(tenant.key, { type: "realtime", model: 42 });
    expect(numericModel.status).toBe(400);
    expect((await errorOf(numericModel)).param).toBe("session.model");
    const huge = await gw("/v1/realtime/calls", {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.key}`, "x-user-id": "u", "content-type": "application/sdp" },
      body: `${OFFER}${"a=x\r\n".repeat(100_000)}`,
    });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).param).toBe("sdp");
    expect(await sim.requests("POST /v1/realtime/calls")).toBe(before);
  });
});
