import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CAPTURE_QUEUE_NAME } from "../../src/datasets/capture-consumer";
import { captureFixture, deliver } from "./helpers/captures";
import { ask, postChat } from "./helpers/chat";
import { apiError, createTenant, errorOf, gw, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

/** The SDK's ChatCompletion type has no `metadata`, though stored completions carry it. */
const metadataOf = (completion: object) => (completion as { metadata?: Record<string, string> }).metadata;

/** Capture happens after the response (waitUntil): poll the stored-completions API until `n` are listed. */
async function storedCount(key: string, n: number, query = ""): Promise<number> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const res = await gw(`/v1/chat/completions?limit=100${query}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const list = (await res.json()) as { data: unknown[] };
    if (list.data.length >= n || Date.now() > deadline) return list.data.length;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("capture and the stored-completions API", () => {
  it("lists captured completions through the SDK with metadata filters and pages", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const done = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: `Question number ${i}` }],
        store: true,
        metadata: { topic: i % 2 === 0 ? "even" : "odd", run: "r1" },
      });
      ids.push(done.id);
    }
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "not kept" }],
    });
    expect(await storedCount(key, 5)).toBe(5);

    const even = await client.chat.completions.list({ metadata: { topic: "even" } });
    expect(even.data.map((c) => c.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(metadataOf(even.data[0] ?? {})).toEqual({ topic: "even", run: "r1" });

    const first = await client.chat.completions.list({ limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.has_more).toBe(true);
    const seen: string[] = [];
    for await (const c of client.chat.completions.list({ limit: 2 })) seen.push(c.id);
    expect(seen).toEqual(ids);
    const desc = await client.chat.completions.list({ order: "desc", limit: 3, after: ids[4] });
    expect(desc.data.map((c) => c.id)).toEqual([ids[3], ids[2], ids[1]]);
    const none = await client.chat.completions.list({ model: "gpt-4o" });
    expect(none.data).toEqual([]);
  });

  it("retrieves, updates, lists messages and deletes a stored completion", async () => {
    const { key } = await createTenant();
    const client = sdk(key);
    const done = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief" },
        { role: "user", content: "Name a planet" },
      ],
      store: true,
    });
    await storedCount(key, 1);
    const got = await client.chat.completions.retrieve(done.id);
    expect((got as unknown as { edgegate: unknown }).edgegate).toMatchObject({
      cache_status: "BYPASS",
      feedback: null,
    });
    expect(got.choices[0]?.message.content).toBe(done.choices[0]?.message.content);
    expect(got.usage?.total_tokens).toBe(done.usage?.total_tokens);
    const updated = await client.chat.completions.update(done.id, { metadata: { label: "good" } });
    expect(metadataOf(updated)).toEqual({ label: "good" });
    const messages = await client.chat.completions.messages.list(done.id);
    expect(messages.data.map((m) => [m.role, m.content])).toEqual([
      ["system", "Be brief"],
      ["user", "Name a planet"],
    ]);
    const rest = await client.chat.completions.messages.list(done.id, { after: messages.data[0]?.id ?? "" });
    expect(rest.data.map((m) => m.role)).toEqual(["user"]);
    const stray = await apiError(client.chat.completions.messages.list(done.id, { after: "msg-unknown" }));
    expect(stray.status).toBe(400);
    expect(stray.code).toBe("invalid_cursor");
    const deleted = await client.chat.completions.delete(done.id);
    expect(deleted).toEqual({ object: "chat.completion.deleted", id: done.id, deleted: true });
    const gone = await gw(`/v1/chat/completions/${done.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(gone.status).toBe(404);
    expect((await errorOf(gone)).param).toBe("completion_id");
  });

  it("keeps each tenant's completions to itself", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const res = await postChat(a.key, { ...ask("mine"), store: true });
    const { id } = (await res.json()) as { id: string };
    await storedCount(a.key, 1);
    expect(await storedCount(b.key, 0)).toBe(0);
    const other = await gw(`/v1/chat/completions/${id}`, { headers: { authorization: `Bearer ${b.key}` } });
    expect(other.status).toBe(404);
  });

  it("assembles streamed answers and captures everything when the tenant captures all", async () => {
    const { key } = await createTenant({ distillation: { capture_all: true } });
    const client = sdk(key);
    const user = { role: "user" as const };
    const plain = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ ...user, content: "Stream a story" }],
    });
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ ...user, content: "Stream a story, again" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(await storedCount(key, 2)).toBe(2);
    const list = await client.chat.completions.list({ order: "desc" });
    expect(list.data[0]?.choices[0]?.message.content).toBe(text);
    expect(list.data[1]?.id).toBe(plain.id);
  });

  it("captures a cache hit as its own completion with its cache status and end user", async () => {
    const { key } = await createTenant({ cache: { mode: "exact" }, distillation: { capture_all: true } });
    const first = await postChat(key, ask("cached question"), { "x-user-id": "alice" });
    expect(first.headers.get("x-cache")).toBe("MISS");
    await storedCount(key, 1);
    const second = await postChat(key, ask("cached question"), { "x-user-id": "alice" });
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(await storedCount(key, 2)).toBe(2);
    const list = await sdk(key).chat.completions.list();
    const details = list.data.map(
      (c) => (c as unknown as { edgegate: { cache_status: string; user: string } }).edgegate,
    );
    expect(details.map((d) => [d.cache_status, d.user])).toEqual([
      ["MISS", "alice"],
      ["HIT", "alice"],
    ]);
    expect(new Set(list.data.map((c) => c.id)).size).toBe(2);
  });

  it("answers 400 naming metadata when it breaks OpenAI's limits", async () => {
    const { key } = await createTenant();
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    for (const metadata of [tooMany, { ["k".repeat(65)]: "v" }, { k: "v".repeat(513) }, { k: 1 }]) {
      const res = await postChat(key, { ...ask("hi"), store: true, metadata });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toMatch(/^metadata/);
    }
    expect(await sim.requests("POST /v1/chat/completions")).toBe(0);
  });

  it("retries a capture while D1 refuses it, then stores it once however often it is redelivered", async () => {
    const { id: tenantId, key } = await createTenant();
    const capture = captureFixture(tenantId, { metadata: { case: "d1-down" } });
    await env.DB.exec("ALTER TABLE stored_completions RENAME TO stored_completions_down");
    try {
      const failed = await deliver(CAPTURE_QUEUE_NAME, [capture]);
      expect(failed.acked).toEqual([]);
      expect(failed.retried.map((r) => r.msgId)).toEqual(failed.ids);
    } finally {
      await env.DB.exec("ALTER TABLE stored_completions_down RENAME TO stored_completions");
    }
    const stored = await deliver(CAPTURE_QUEUE_NAME, [capture], 2);
    expect(stored.acked).toEqual(stored.ids);
    const segments = async () => (await env.BLOBS.list({ prefix: `seg/${tenantId}/` })).objects.length;
    const written = await segments();
    // The ack was lost and the queue delivers it again: no second row, no second body.
    const again = await deliver(CAPTURE_QUEUE_NAME, [capture, capture], 3);
    expect(again.acked).toEqual(again.ids);
    expect(await segments()).toBe(written);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM stored_completions WHERE id = ?")
      .bind(capture.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
    const got = await sdk(key).chat.completions.retrieve(capture.id);
    expect(metadataOf(got)).toEqual({ case: "d1-down" });
    expect(got.choices[0]?.message.content).toBe("ok");
  });
});
