import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createTenant, errorOf, gw } from "./helpers/gateway";

interface Migration {
  object: string;
  done: boolean;
  steps: { name: string; moved: number; remaining: number }[];
}

const migrate = async (body: unknown) => {
  const res = await admin("/storage/migrate", "POST", body);
  return { status: res.status, body: (await res.json()) as Migration };
};

/** An ended session with one item, written the way sessions were before transcripts moved to R2. */
async function oldSession(tenantId: string, id: string): Promise<void> {
  const endedAt = Math.floor(Date.now() / 1000) - 3600;
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO realtime_sessions (id, tenant_id, user_id, key_id, model, type, status, started_at, ended_at)
       VALUES (?, ?, 'u1', 'key', 'gpt-realtime-2', 'realtime', 'ended', ?, ?)`,
    ).bind(id, tenantId, endedAt - 10, endedAt),
    env.DB.prepare(
      `INSERT INTO realtime_items (session_id, item_id, ordinal, type, role, text, server_tool, updated_at)
       VALUES (?, 'item_0', 0, 'message', 'user', 'hello', 0, ?)`,
    ).bind(id, endedAt),
  ]);
}

describe("POST /admin/storage/migrate", () => {
  it("moves older data a bounded amount per call until it answers done", async () => {
    const tenant = await createTenant();
    for (let i = 0; i < 120; i++) await oldSession(tenant.id, `rtsess_m${i}`);
    const first = await migrate({ steps: ["transcripts"], limit: 45 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      object: "storage.migration",
      done: false,
      steps: [{ name: "transcripts", moved: 45, remaining: 75 }],
    });
    let last = first.body;
    for (let call = 0; call < 5 && !last.done; call++) last = (await migrate({ limit: 50 })).body;
    expect(last.done).toBe(true);
    const left = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM realtime_sessions WHERE tenant_id = ? AND transcript_ref IS NULL",
    )
      .bind(tenant.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect((await migrate({})).body.done).toBe(true);
  });

  it("moves inline dataset examples and KV images with the same call", async () => {
    const tenant = await createTenant();
    const example = JSON.stringify({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a" },
      ],
    });
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO datasets (id, tenant_id, name, kind, validation_ratio, webhook_secret, created_at)
         VALUES ('ds_old', ?, 'old', 'chat', 0, 'whsec', 0)`,
      ).bind(tenant.id),
      env.DB.prepare(
        `INSERT INTO dataset_examples (id, dataset_id, content_hash, split, example, source, created_at)
         VALUES ('ex_old', 'ds_old', 'h1', 'train', ?, 'upload', 0)`,
      ).bind(example),
    ]);
    const sha = "ab".repeat(32);
    await env.CACHE.put(`img:${tenant.id}:${sha}`, new Uint8Array([1, 2, 3]), {
      metadata: { format: "png", width: 1, height: 1, bytes: 3 },
    });

    let last: Migration | null = null;
    for (let call = 0; call < 5 && !last?.done; call++)
      last = (await migrate({ steps: ["examples", "images"] })).body;
    expect(last?.done).toBe(true);
    const row = await env.DB.prepare(
      "SELECT example, body_ref FROM dataset_examples WHERE id = 'ex_old'",
    ).first<{
      example: string;
      body_ref: string | null;
    }>();
    expect(row?.example).toBe("");
    expect(row?.body_ref).toMatch(/^s1\./);
    expect(await env.CACHE.get(`img:${tenant.id}:${sha}`)).toBeNull();
    expect(await env.BLOBS.head(`img/${tenant.id}/${sha}`)).not.toBeNull();
  });

  it("refuses an unknown step and a limit out of range, saying which", async () => {
    const unknown = await admin("/storage/migrate", "POST", { steps: ["everything"] });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).param).toBe("steps[0]");
    const tooMany = await admin("/storage/migrate", "POST", { limit: 100000 });
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).param).toBe("limit");
  });

  it("is the operator's alone", async () => {
    const tenant = await createTenant();
    const res = await gw("/admin/storage/migrate", {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.key}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(403);
    await res.body?.cancel();
  });
});

describe("/admin/operations", () => {
  it("says counting is off unless the operator turned it on, and resets", async () => {
    const res = await admin("/operations");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ object: "operation_counts", counting: false });
    const reset = await admin("/operations", "DELETE");
    const body = (await reset.json()) as { counts: object; since: number };
    expect(body.counts).toEqual({});
    expect(body.since).toBeGreaterThan(Date.now() - 60_000);
  });
});
