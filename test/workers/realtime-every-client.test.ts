import { describe, expect, it } from "vitest";
import { createTenant, gw } from "./helpers/gateway";
import { connect, type RtErrorEvent, startSession, upgrade } from "./helpers/realtime";
import { sim } from "./helpers/sim";

interface ErrorBody {
  error: { code: string | null; message: string; param: string | null; type: string };
}

/** A network drop as the gateway sees it: the socket goes away without a normal close. */
const DROP = 4000;

/** A plain GET runs the upgrade's checks for `user` (426 when a session could start). */
const check = (key: string, user: string) =>
  gw("/v1/realtime?model=gpt-realtime", { headers: { authorization: `Bearer ${key}`, "x-user-id": user } });

describe("realtime for every official client", () => {
  it("gives a server-to-server caller without X-User-Id (the Python SDK's realtime.connect) a session as key:<key id>", async () => {
    const tenant = await createTenant({ realtime: { max_concurrent_sessions_per_user: 1 } });
    // What `client.realtime.connect(model=…)` sends: the API key in Authorization, nothing else.
    const { client } = await startSession({ key: tenant.key });
    expect(client.response.status).toBe(101);
    // The session belongs to the user key:<key id>: that user's slot is taken, another user's is free.
    const sameUser = await check(tenant.key, `key:${tenant.keyId}`);
    expect(sameUser.status).toBe(429);
    expect(((await sameUser.json()) as ErrorBody).error.code).toBe("too_many_sessions");
    expect((await check(tenant.key, "someone-else")).status).toBe(426);
    client.close();
    await client.waitClosed();
  });

  it("accepts an API key in the subprotocol slot without X-User-Id, as the Node SDK's browser client sends it", async () => {
    const tenant = await createTenant();
    const client = await connect({ key: tenant.key, viaSubprotocol: true });
    expect(client.response.headers.get("sec-websocket-protocol")).toBe("realtime");
    await client.next("session.created");
    client.close();
  });

  it("refuses before the upgrade with an HTTP status and OpenAI's error body", async () => {
    const tenant = await createTenant({ allowed_models: ["gpt-4o-mini"] });
    const refusals = [
      await upgrade({ key: tenant.key, model: "gpt-realtime" }),
      await upgrade({ key: "egk_not-a-real-key" }),
      await upgrade({ key: tenant.key, query: "" }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([403, 401, 400]);
    for (const res of refusals) {
      expect(res.webSocket).toBeNull();
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as ErrorBody;
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });
});

describe("realtime sessions held for resume", () => {
  it("never locks out a user who connects and drops repeatedly without resuming", async () => {
    const tenant = await createTenant({ realtime: { max_concurrent_sessions_per_user: 2 } });
    const dropped: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Before: the third fresh connection got 429 too_many_sessions for the grace period (30 s).
      const { client, sessionId } = await startSession({ key: tenant.key, user: "flaky-phone" });
      dropped.push(sessionId);
      client.close(DROP, "network change");
      await client.waitClosed();
    }
    const resume = (id: string) =>
      upgrade({ key: tenant.key, user: "flaky-phone", query: `session_id=${id}` });
    // The sessions dropped longest ago gave their slots to the fresh ones; the newest are still resumable.
    expect((await resume(dropped[0] ?? "")).status).toBe(404);
    const latest = await connect({ key: tenant.key, user: "flaky-phone", query: `session_id=${dropped[4]}` });
    expect(latest.response.status).toBe(101);
    latest.close();
    await latest.waitClosed();
  });

  it("still refuses a fresh session when the user's sessions are all connected", async () => {
    const tenant = await createTenant({ realtime: { max_concurrent_sessions_per_user: 1 } });
    const { client } = await startSession({ key: tenant.key, user: "busy" });
    const second = await upgrade({ key: tenant.key, user: "busy" });
    expect(second.status).toBe(429);
    expect(((await second.json()) as ErrorBody).error.code).toBe("too_many_sessions");
    client.close();
    await client.waitClosed();
  });
});

describe("realtime close codes", () => {
  it("closes with 1013 when the provider ends the session with 1013 (overloaded, try again later)", async () => {
    await sim.reset();
    const tenant = await createTenant();
    await sim.fault({ route: "GET /v1/realtime", dropWebSocketAfterEvents: 1, closeWebSocketCode: 1013 });
    const client = await connect({ key: tenant.key, user: "later" });
    await client.next("session.created");
    const error = await client.next<RtErrorEvent>("error", 1000);
    expect(error.error.code).toBe("upstream_unavailable");
    expect((await client.waitClosed(1000)).code).toBe(1013);
  });
});
