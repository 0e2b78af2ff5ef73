import { describe, expect, it } from "vitest";
import { createTenant, errorOf, gw, jsonInit } from "./helpers/gateway";
import { signWebhook } from "./helpers/webhooks";

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const example = (q: string) => ({
  messages: [
    { role: "user", content: q },
    { role: "assistant", content: `answer to ${q}` },
  ],
});

async function setup() {
  const { key } = await createTenant();
  const res = await gw("/v1/datasets", jsonInit("POST", { name: "hooked" }, auth(key)));
  const ds = (await res.json()) as { id: string; webhook_secret: string };
  const total = async () => {
    const got = await gw(`/v1/datasets/${ds.id}`, { headers: auth(key) });
    return ((await got.json()) as { example_counts: { total: number } }).example_counts.total;
  };
  const push = (body: string, headers: Record<string, string>) =>
    gw(`/hooks/datasets/${ds.id}`, { method: "POST", headers, body });
  return { ds, total, push };
}

describe("dataset webhooks (Standard Webhooks)", () => {
  it("accepts a signed example and a signed batch", async () => {
    const { ds, total, push } = await setup();
    const one = JSON.stringify(example("one"));
    const res = await push(one, await signWebhook(ds.webhook_secret, "msg_1", one));
    expect(await res.json()).toMatchObject({ webhook_id: "msg_1", replayed: false, added: 1 });
    const batch = JSON.stringify({ examples: [example("two"), example("three")] });
    expect((await push(batch, await signWebhook(ds.webhook_secret, "msg_2", batch))).status).toBe(200);
    expect(await total()).toBe(3);
  });

  it("answers a retried webhook-id with 200 and no duplicate", async () => {
    const { ds, total, push } = await setup();
    const body = JSON.stringify(example("once"));
    const headers = await signWebhook(ds.webhook_secret, "msg_retry", body);
    expect((await push(body, headers)).status).toBe(200);
    const retry = await push(body, headers);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ replayed: true, added: 0 });
    expect(await total()).toBe(1);
  });

  it("refuses a wrong secret (401), a stale timestamp (400) and a tampered body (401)", async () => {
    const { ds, total, push } = await setup();
    const body = JSON.stringify(example("x"));
    const wrong = await push(body, await signWebhook("whsec_d3JvbmctZGF0YXNldC1zZWNyZXQ=", "m1", body));
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toMatchObject({ code: "invalid_signature", type: "invalid_request_error" });
    const stale = await push(
      body,
      await signWebhook(ds.webhook_secret, "m2", body, Math.floor(Date.now() / 1000) - 301),
    );
    expect(stale.status).toBe(400);
    expect((await errorOf(stale)).param).toBe("webhook-timestamp");
    const tampered = await push(
      JSON.stringify(example("y")),
      await signWebhook(ds.webhook_secret, "m3", body),
    );
    expect(tampered.status).toBe(401);
    const missing = await push(body, { "content-type": "application/json" });
    expect(missing.status).toBe(400);
    expect(await total()).toBe(0);
  });

  it("rejects an invalid example by field and lets the fixed retry through", async () => {
    const { ds, total, push } = await setup();
    const bad = JSON.stringify({ messages: [{ role: "user", content: "no answer" }] });
    const res = await push(bad, await signWebhook(ds.webhook_secret, "m_bad", bad));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("messages[0].role");
    const good = JSON.stringify(example("fixed"));
    expect((await push(good, await signWebhook(ds.webhook_secret, "m_bad", good))).status).toBe(200);
    expect(await total()).toBe(1);
  });
});
