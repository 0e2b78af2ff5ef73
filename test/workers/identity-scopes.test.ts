/**
 * The authorization model of docs/security.md: key scopes, end-user tokens limited to inference and
 * their own stored completions, tokens that must expire, and credentials checked before a body is
 * read.
 */
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { beforeEach, describe, expect, it } from "vitest";
import { bearer, createKey } from "./helpers/console";
import { admin, createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

async function mint(key: string, user: string): Promise<string> {
  const res = await gw("/v1/auth/user_tokens", jsonInit("POST", { user }, bearer(key)));
  if (res.status !== 201) throw new Error(`mint: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Captures one stored completion as `token`'s user and waits until the tenant's key can list it. */
async function storedAs(token: string, tenantKey: string, content: string): Promise<string> {
  const done = await sdk(token).chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content }],
    store: true,
  });
  const deadline = Date.now() + 3_000;
  for (;;) {
    const res = await gw(`/v1/chat/completions/${done.id}`, { headers: bearer(tenantKey) });
    if (res.status === 200) return done.id;
    await res.body?.cancel();
    if (Date.now() > deadline) throw new Error(`completion ${done.id} was not captured`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("API key scopes", () => {
  it("creates keys with scopes, lists them, and keeps the full tenant scope as the default", async () => {
    const t = await createTenant();
    const narrow = await admin(`/tenants/${t.id}/keys`, "POST", { name: "phones", scopes: ["user_tokens"] });
    expect(narrow.status).toBe(201);
    expect(((await narrow.json()) as { scopes: string[] }).scopes).toEqual(["user_tokens"]);
    const list = (await (await admin(`/tenants/${t.id}/keys`)).json()) as {
      data: { id: string; scopes: string[]; console: boolean }[];
    };
    const full = list.data.find((k) => k.id === t.keyId);
    expect(full?.scopes).toEqual([
      "inference",
      "user_tokens",
      "completions.read",
      "completions.write",
      "datasets",
      "evals",
      "fine_tuning",
    ]);
    expect(full?.console).toBe(false);
  });

  it("refuses an unknown or empty scope list with a message naming the field", async () => {
    const t = await createTenant();
    for (const scopes of [["everything"], []]) {
      const res = await admin(`/tenants/${t.id}/keys`, "POST", { name: "k", scopes });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toMatch(/^scopes/);
    }
  });

  it("lets a user_tokens-only key mint tokens but not call models or read data", async () => {
    const t = await createTenant();
    const minter = await createKey(t.id, { name: "backend", scopes: ["user_tokens"] });
    const token = await mint(minter.key, "alice");
    const chat = await gw(
      "/v1/chat/completions",
      jsonInit(
        "POST",
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
        bearer(minter.key),
      ),
    );
    expect(chat.status).toBe(403);
    const error = await errorOf(chat);
    expect(error.code).toBe("insufficient_scope");
    expect(error.message).toContain("'inference'");
    // Its tokens carry no more than the key has: no inference either.
    const asUser = await gw("/v1/models", { headers: bearer(token) });
    expect(asUser.status).toBe(403);
    expect((await errorOf(asUser)).code).toBe("insufficient_scope");
  });

  it("lets an inference-only key call models through the SDK and nothing else", async () => {
    const t = await createTenant();
    const k = await createKey(t.id, { name: "server", scopes: ["inference"] });
    const client = sdk(k.key);
    const answer = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    await expect(client.files.list()).rejects.toMatchObject({ status: 403, code: "insufficient_scope" });
    await expect(client.chat.completions.list()).rejects.toMatchObject({
      status: 403,
      code: "insufficient_scope",
    });
  });
});

describe("end-user tokens see only their own data", () => {
  it("reads and rates only the user's own stored completions", async () => {
    const t = await createTenant();
    const alice = await mint(t.key, "alice");
    const bob = await mint(t.key, "bob");
    const aliceId = await storedAs(alice, t.key, "alice's private question");
    const bobId = await storedAs(bob, t.key, "bob's private question");

    const aliceList = await sdk(alice).chat.completions.list();
    expect(aliceList.data.map((c) => c.id)).toEqual([aliceId]);
    const tenantList = await sdk(t.key).chat.completions.list();
    expect(tenantList.data.map((c) => c.id).sort()).toEqual([aliceId, bobId].sort());

    for (const path of [`/v1/chat/completions/${bobId}`, `/v1/chat/completions/${bobId}/messages`]) {
      const res = await gw(path, { headers: bearer(alice) });
      expect(res.status, path).toBe(404);
      await res.body?.cancel();
    }
    const poisoned = await gw(
      `/v1/chat/completions/${bobId}/feedback`,
      jsonInit("POST", { score: 0 }, bearer(alice)),
    );
    expect(poisoned.status).toBe(404);
    await poisoned.body?.cancel();
    const rated = await gw(
      `/v1/chat/completions/${aliceId}/feedback`,
      jsonInit("POST", { score: 1 }, bearer(alice)),
    );
    expect(rated.status).toBe(200);
    await rated.body?.cancel();
    const bobs = (await (await gw(`/v1/chat/completions/${bobId}`, { headers: bearer(t.key) })).json()) as {
      edgegate?: { feedback?: unknown };
    };
    expect(JSON.stringify(bobs)).not.toContain('"score":0');

    // Changing or deleting stored completions needs a key.
    const deleted = await gw(`/v1/chat/completions/${aliceId}`, { method: "DELETE", headers: bearer(alice) });
    expect(deleted.status).toBe(403);
    expect((await errorOf(deleted)).code).toBe("api_key_required");
  });

  it("never reaches the tenant's datasets, files, jobs or evals", async () => {
    const t = await createTenant();
    const token = await mint(t.key, "alice");
    for (const path of ["/v1/datasets", "/v1/files", "/v1/fine_tuning/jobs", "/v1/evals/ev_1"]) {
      const res = await gw(path, { headers: bearer(token) });
      expect(res.status, path).toBe(403);
      expect((await errorOf(res)).code, path).toBe("api_key_required");
    }
    const minted = await gw("/v1/auth/user_tokens", jsonInit("POST", { user: "bob" }, bearer(token)));
    expect(minted.status).toBe(403);
    await minted.body?.cancel();
  });
});

describe("end-user tokens must expire", () => {
  const claims = (t: { id: string; keyId: string }) => ({
    sub: "alice",
    ten: t.id,
    kid: t.keyId,
    aud: "edgegate:user",
    iat: Math.floor(Date.now() / 1000),
  });

  it("refuses a correctly signed token without exp", async () => {
    const t = await createTenant();
    const token = await sign(claims(t), env.TOKEN_SECRET ?? "", "HS256");
    const res = await gw("/v1/models", { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).message).toContain("must expire");
  });

  it("refuses a token whose lifetime is longer than the cap", async () => {
    const t = await createTenant();
    const base = claims(t);
    const token = await sign({ ...base, exp: base.iat + 10 * 365 * 86_400 }, env.TOKEN_SECRET ?? "", "HS256");
    const res = await gw("/v1/models", { headers: bearer(token) });
    expect(res.status).toBe(401);
    await res.body?.cancel();
    const fine = await sign({ ...base, exp: base.iat + 600 }, env.TOKEN_SECRET ?? "", "HS256");
    const ok = await gw("/v1/models", { headers: bearer(fine) });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });
});

describe("authentication before the body", () => {
  /** A chunked body that counts how much of it the gateway pulled. */
  function countingBody(totalBytes: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= totalBytes) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { body, pulled: () => sent };
  }

  it("refuses an unauthenticated chunked upload without reading it", async () => {
    const upload = countingBody(25 * 1024 * 1024);
    const res = await gw("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: upload.body,
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("missing_api_key");
    // At most what the stream queued ahead of being asked; nowhere near the 1 MiB test body limit.
    expect(upload.pulled()).toBeLessThan(512 * 1024);
  });

  it("still reads an authenticated chunked body under the limit", async () => {
    const t = await createTenant();
    const bytes = new TextEncoder().encode(
      JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "chunked" }] }),
    );
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const res = await gw("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(t.key) },
      body,
    });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });
});
