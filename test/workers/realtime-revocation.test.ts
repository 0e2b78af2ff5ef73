/**
 * A live Realtime session ends with its credential (docs/realtime.md, "Credentials of live
 * sessions"): once the key it was opened with, or the key that minted its end-user token, is revoked
 * (the user's object re-checks the key every REALTIME_CREDENTIAL_CHECK_MS, 500 ms in tests). A
 * token's `exp` bounds starting and reattaching only, as a client secret's does at the provider.
 * WebRTC calls are hung up the same way.
 */
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { admin, createTenant, gw, mintToken, type TestTenant } from "./helpers/gateway";
import {
  connect,
  eventually,
  type RtErrorEvent,
  recordedSession,
  sayText,
  startSession,
  upgrade,
} from "./helpers/realtime";
import { simFetch } from "./helpers/sim";

const OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

/** Long enough for a revoked key's session to end: the 500 ms check plus a loaded machine's delays. */
const REVOKED_WITHIN_MS = 4000;

/** A token of `tenant`'s key that expires `seconds` from now (the route mints at least 60 s). */
async function tokenExpiringIn(tenant: TestTenant, user: string, seconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: user, ten: tenant.id, kid: tenant.keyId, aud: "edgegate:user", iat: now };
  return sign({ ...claims, exp: now + seconds }, env.TOKEN_SECRET ?? "", "HS256");
}

async function revoke(tenant: TestTenant, keyId = tenant.keyId): Promise<void> {
  const res = await admin(`/tenants/${tenant.id}/keys/${keyId}`, "DELETE");
  expect(res.status).toBe(200);
}

describe("realtime sessions and their credentials", () => {
  it("ends a live session once the key that minted its token is revoked", async () => {
    const tenant = await createTenant();
    const token = await mintToken(tenant.key, "phone");
    const { client, sessionId } = await startSession({ key: token });
    await revoke(tenant);

    const error = await client.next<RtErrorEvent>("error", REVOKED_WITHIN_MS);
    expect(error.error).toMatchObject({ code: "credential_revoked", type: "invalid_request_error" });
    expect((await client.waitClosed()).code).toBe(1008);
    expect((await upgrade({ key: token })).status).toBe(401);
    const detail = await eventually(
      () => recordedSession(tenant.id, sessionId),
      (d) => d.status === "ended",
    );
    expect(detail.end_reason).toBe("credential_revoked");
  });

  it("ends an API key's session once that key is revoked, and only sessions held with it", async () => {
    const tenant = await createTenant();
    const other = await admin(`/tenants/${tenant.id}/keys`, "POST", { name: "other" });
    const otherKey = (await other.json()) as { key: string };
    const { client: revoked } = await startSession({ key: tenant.key, user: "agent" });
    const { client: kept } = await startSession({ key: otherKey.key, user: "agent" });
    await revoke(tenant);

    expect((await revoked.next<RtErrorEvent>("error", REVOKED_WITHIN_MS)).error.code).toBe(
      "credential_revoked",
    );
    expect((await revoked.waitClosed()).code).toBe(1008);
    // The same user's session held with the tenant's other key lives on.
    sayText(kept, "still here?");
    await kept.next("response.done");
    expect(kept.types()).not.toContain("error");
    kept.close();
  });

  it("holds a reattached session with the key of its new token: the first key's revocation leaves it, the second's ends it", async () => {
    const tenant = await createTenant();
    const second = (await (await admin(`/tenants/${tenant.id}/keys`, "POST", { name: "second" })).json()) as {
      id: string;
      key: string;
    };
    const { client, sessionId } = await startSession({ key: await mintToken(tenant.key, "phone") });
    const resumed = await connect({
      key: await mintToken(second.key, "phone"),
      query: `session_id=${encodeURIComponent(sessionId)}`,
    });
    await client.waitClosed();
    await revoke(tenant);
    // Past a check of the first key (500 ms in tests) and the key cache: the session lives on.
    await new Promise((r) => setTimeout(r, 3000));
    sayText(resumed, "still here?");
    await resumed.next("response.done");
    expect(resumed.types()).not.toContain("error");
    await revoke(tenant, second.id);
    expect((await resumed.next<RtErrorEvent>("error", REVOKED_WITHIN_MS)).error.code).toBe(
      "credential_revoked",
    );
  });

  it("keeps a session past its token's expiry, which bounds only starting and reattaching", async () => {
    const tenant = await createTenant();
    const expiring = await tokenExpiringIn(tenant, "phone", 2);
    const { client, sessionId } = await startSession({ key: expiring });
    // Past the token's `exp` (at most 2 s away): the session goes on; the token opens nothing more.
    await new Promise((r) => setTimeout(r, 2500));
    sayText(client, "still here?");
    await client.next("response.done");
    expect(client.types()).not.toContain("error");
    expect((await upgrade({ key: expiring })).status).toBe(401);
    const resumed = await upgrade({ key: expiring, query: `session_id=${encodeURIComponent(sessionId)}` });
    expect(resumed.status).toBe(401);
    client.close();
  });

  it("hangs up a WebRTC call once the key that minted its token is revoked", async () => {
    const tenant = await createTenant();
    const token = await mintToken(tenant.key, "caller");
    const form = new FormData();
    form.set("sdp", new File([OFFER], "offer.sdp", { type: "application/sdp" }));
    form.set("session", JSON.stringify({ type: "realtime" }));
    const res = await gw("/v1/realtime/calls", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(res.status).toBe(201);
    const callId = (res.headers.get("location") ?? "").split("/").pop() ?? "";
    expect((await simFetch(`/__sim/realtime/calls/${callId}`)).status).toBe(200);
    await revoke(tenant);

    const gone = await eventually(
      async () => (await simFetch(`/__sim/realtime/calls/${callId}`)).status,
      (status) => status === 404,
      REVOKED_WITHIN_MS,
    );
    expect(gone).toBe(404);
    const detail = await eventually(
      () => recordedSession(tenant.id, callId),
      (d) => d.status === "ended",
    );
    expect(detail.end_reason).toBe("credential_revoked");
  });
});
