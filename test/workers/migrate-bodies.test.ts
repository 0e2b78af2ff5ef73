/**
 * The resumable move of older rows' inline bodies into R2: a database filled the old way (bodies in
 * `request` and `answer`), read the same through the API before, during and after the move.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CAPTURE_QUEUE_NAME } from "../../src/datasets/capture-consumer";
import { migrateCompletionBodies } from "../../src/datasets/migrate-bodies";
import { captureFixture, deliver } from "./helpers/captures";
import { ask } from "./helpers/chat";
import { createTenant, gw } from "./helpers/gateway";

/** Inserts a row as the gateway wrote them before bodies moved to R2. */
async function insertInline(tenantId: string, n: number): Promise<string> {
  const id = `chatcmpl-old${n}-${crypto.randomUUID().slice(0, 8)}`;
  const answer = {
    id,
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content: `answer ${n}` } }],
  };
  await env.DB.prepare(
    `INSERT INTO stored_completions (id, tenant_id, kind, model, request, answer, metadata, cache_status, latency_ms, created_ms)
     VALUES (?, ?, 'chat', 'gpt-4o-mini', ?, ?, '{"era":"old"}', 'MISS', 12.5, ?)`,
  )
    .bind(id, tenantId, JSON.stringify(ask(`question ${n}`)), JSON.stringify(answer), 1_700_000_000_000 + n)
    .run();
  return id;
}

async function listed(key: string): Promise<unknown> {
  const res = await gw("/v1/chat/completions?limit=100", { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.json();
}

async function inlineCount(tenantId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT COUNT(*) AS n FROM stored_completions WHERE tenant_id = ? AND body_ref IS NULL AND request <> ''",
  )
    .bind(tenantId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("migrateCompletionBodies", () => {
  it("moves old inline bodies to R2 in resumable steps; the API answers the same throughout", async () => {
    const a = await createTenant();
    const b = await createTenant();
    for (let n = 0; n < 5; n++) await insertInline(a.id, n);
    for (let n = 0; n < 2; n++) await insertInline(b.id, n);
    // A capture written the new way lists beside the old rows.
    const fresh = await deliver(CAPTURE_QUEUE_NAME, [captureFixture(a.id, { createdMs: 1_800_000_000_000 })]);
    expect(fresh.acked).toEqual(fresh.ids);
    const before = await listed(a.key);
    expect((before as { data: unknown[] }).data).toHaveLength(6);

    expect(await migrateCompletionBodies(env, { tenantId: a.id, limit: 2 })).toEqual({
      moved: 2,
      remaining: 3,
    });
    expect(await inlineCount(a.id)).toBe(3);
    expect(await listed(a.key)).toEqual(before);

    // A crash between the R2 write and the D1 update: the rows stay inline and are moved next time.
    const crashing = {
      BLOBS: env.BLOBS,
      DB: {
        prepare: (sql: string) => env.DB.prepare(sql),
        batch: () => Promise.reject(new Error("the isolate was evicted")),
      } as unknown as D1Database,
    };
    await expect(migrateCompletionBodies(crashing, { tenantId: a.id, limit: 2 })).rejects.toThrow(/evicted/);
    expect(await inlineCount(a.id)).toBe(3);
    expect(await listed(a.key)).toEqual(before);

    // All tenants, the rest in one call; then nothing is left and a rerun moves nothing.
    expect(await migrateCompletionBodies(env, { limit: 100 })).toEqual({ moved: 5, remaining: 0 });
    expect(await migrateCompletionBodies(env)).toEqual({ moved: 0, remaining: 0 });
    expect(await inlineCount(a.id)).toBe(0);
    expect(await inlineCount(b.id)).toBe(0);
    expect(await listed(a.key)).toEqual(before);
    const res = await gw(`/v1/chat/completions?limit=1&order=asc`, {
      headers: { authorization: `Bearer ${b.key}` },
    });
    const first = (
      (await res.json()) as { data: { id: string; choices: { message: { content: string } }[] }[] }
    ).data[0];
    expect(first?.choices[0]?.message.content).toBe("answer 0");
    const messages = await gw(`/v1/chat/completions/${first?.id}/messages`, {
      headers: { authorization: `Bearer ${b.key}` },
    });
    expect(await messages.json()).toMatchObject({ data: [{ role: "user", content: "question 0" }] });
  });
});
