/**
 * Limits with clear errors and nothing silently lost: deep nesting and oversized stored strings are
 * 400s naming the field (they were 500s for every tenant); a capture too big for a database row, a
 * record the database keeps refusing, and an oversized cache event are kept or bounded instead of
 * dropped, and the dead letters are visible and retryable through the admin API.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { type CacheEvent, eventStatements, listCacheEvents } from "../../src/cache/events";
import { captureMessage, MESSAGE_BODY_MAX_BYTES } from "../../src/datasets/capture";
import {
  CAPTURE_DEAD_LETTER_QUEUE_NAME,
  CAPTURE_DELIVERY_ATTEMPTS,
  CAPTURE_QUEUE_NAME,
} from "../../src/datasets/capture-consumer";
import { MAX_JSON_DEPTH } from "../../src/platform/json-depth";
import { captureFixture, deliver, storedCompletion } from "./helpers/captures";
import { ask, postChat } from "./helpers/chat";
import { admin, createTenant, errorOf, gw, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

/** `depth` nested objects: `{"a":{"a":…1}}`. */
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

interface DeadLetterList {
  total: number;
  data: {
    id: string;
    capture_id: string;
    reason: string;
    attempts: number;
    bytes: number;
    retryable: boolean;
  }[];
}

async function deadLetters(tenantId: string): Promise<DeadLetterList> {
  const res = await admin(`/tenants/${tenantId}/captures/dead_letter`);
  expect(res.status).toBe(200);
  return (await res.json()) as DeadLetterList;
}

describe("JSON nesting deeper than the limit is a 400 naming where", () => {
  it("refuses 10,000-deep chat tools, response_format and content parts before the provider", async () => {
    const { key } = await createTenant();
    const tool = `{"type":"function","function":{"name":"f","parameters":${deepObject(10_000)}}}`;
    const bodies = [
      [`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":[${tool}]}`, "tools[0]"],
      [
        `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${deepObject(10_000)}}}}`,
        "response_format.json_schema.schema",
      ],
      [
        `{"model":"gpt-4o-mini","messages":[{"role":"user","content":[${deepObject(10_000)}]}]}`,
        "messages[0].content[0]",
      ],
    ] as const;
    for (const [body, prefix] of bodies) {
      const res = await gw("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("json_too_deep");
      expect(error.param?.startsWith(prefix)).toBe(true);
      expect(error.message).toContain(`${MAX_JSON_DEPTH} levels`);
    }
    expect(await sim.requests("POST /v1/chat/completions")).toBe(0);
  });

  it("refuses a 10,000-deep settings PATCH", async () => {
    const { id } = await createTenant();
    const res = await gw(`/admin/tenants/${id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: `{"settings":${deepObject(10_000)}}`,
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toMatch(/^settings\.a\.a/);
  });

  it("still takes a body nested exactly to the limit", async () => {
    const { key } = await createTenant();
    // body, tools, tools[0], function: the parameters object is level 5 and its innermost is level 64.
    const parameters = JSON.parse(deepObject(MAX_JSON_DEPTH - 4));
    const res = await postChat(key, {
      ...ask("nested tool"),
      tools: [{ type: "function", function: { name: "f", parameters } }],
    });
    expect(res.status).toBe(200);
  });
});

describe("stored strings have sane maximum lengths", () => {
  it("answers 400 naming 'model' for a 300 KB alias model, not a database error", async () => {
    const { id } = await createTenant();
    const res = await admin(`/tenants/${id}/aliases/big`, "PUT", { model: "m".repeat(300_000) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("model");
  });

  it("answers 400 naming the entry for an oversized allowed_models", async () => {
    const { id } = await createTenant();
    const res = await admin(`/tenants/${id}`, "PATCH", { settings: { allowed_models: ["x".repeat(5_000)] } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("settings.allowed_models[0]");
  });
});

describe("captures too big or refused are kept as dead letters", () => {
  it("keeps a capture with a ~1 MB user: stored in full, not lost", async () => {
    const { key } = await createTenant();
    const user = "u".repeat(1_000_000);
    const res = await postChat(key, { ...ask("a very long user"), store: true, user });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const got = await storedCompletion(key, id);
    expect(got.status).toBe(200);
  });

  it("stores a capture bigger than a database row: its body goes to R2, the row stays small", async () => {
    const { id: tenantId, key } = await createTenant();
    // Bigger than a D1 row may be (the test gateway's body limit is 1 MB, so it is made here).
    const big = captureFixture(tenantId, { request: JSON.stringify(ask("x".repeat(2_500_000))) });
    const message = await captureMessage(env, big);
    expect(JSON.stringify(message).length).toBeLessThan(MESSAGE_BODY_MAX_BYTES);
    const { acked, ids } = await deliver(CAPTURE_QUEUE_NAME, [message]);
    expect(acked).toEqual(ids);
    const row = await env.DB.prepare(
      "SELECT length(request) + length(answer) AS inline, body_ref FROM stored_completions WHERE id = ?",
    )
      .bind(big.id)
      .first<{ inline: number; body_ref: string }>();
    expect(row?.inline).toBe(0);
    const messages = await sdk(key).chat.completions.messages.list(big.id);
    expect(messages.data[0]?.content?.length).toBe(2_500_000);
    expect(await deadLetters(tenantId)).toMatchObject({ total: 0 });
  });

  it("keeps a capture whose row is over the database's limit (a huge user) as a visible dead letter", async () => {
    const { id: tenantId } = await createTenant();
    const big = captureFixture(tenantId, { userId: "u".repeat(2_500_000) });
    const { acked, ids } = await deliver(CAPTURE_QUEUE_NAME, [await captureMessage(env, big)]);
    expect(acked).toEqual(ids);
    const list = await deadLetters(tenantId);
    expect(list.total).toBe(1);
    expect(list.data[0]).toMatchObject({ capture_id: big.id, reason: "too_large", retryable: true });
    expect(list.data[0]?.bytes).toBeGreaterThan(2_500_000);
    // Still too big for a row: the retry says so and the dead letter stays, one attempt more.
    const retry = await admin(`/tenants/${tenantId}/captures/dead_letter/${list.data[0]?.id}/retry`, "POST");
    expect(retry.status).toBe(409);
    expect((await errorOf(retry)).code).toBe("capture_retry_failed");
    expect((await deadLetters(tenantId)).data[0]?.attempts).toBe(2);
    // Paging after it lists nothing more; after an id that is none of the tenant's is refused.
    const after = await admin(`/tenants/${tenantId}/captures/dead_letter?after=${list.data[0]?.id}`);
    expect(((await after.json()) as DeadLetterList).data).toEqual([]);
    const stray = await admin(`/tenants/${tenantId}/captures/dead_letter?after=dl_unknown`);
    expect(stray.status).toBe(400);
    expect((await errorOf(stray)).code).toBe("invalid_cursor");
  });

  it("retries a record the database keeps refusing without holding back the others; after the last delivery it is a dead letter", async () => {
    const { id: tenantId } = await createTenant();
    // A value D1 cannot bind: refused on every attempt, whatever the load.
    const bad = captureFixture(tenantId, { latencyMs: { not: "a number" } as unknown as number });
    const good = captureFixture(tenantId);
    const first = await deliver(CAPTURE_QUEUE_NAME, [bad, good]);
    expect(first.acked).toEqual([first.ids[1]]);
    expect(first.retried.map((r) => r.msgId)).toEqual([first.ids[0]]);
    const stored = await env.DB.prepare("SELECT id FROM stored_completions WHERE id = ?")
      .bind(good.id)
      .first();
    expect(stored).not.toBeNull();
    // The queue gives up after its last delivery and hands the message to the dead-letter queue.
    const dead = await deliver(CAPTURE_DEAD_LETTER_QUEUE_NAME, [bad]);
    expect(dead.acked).toEqual(dead.ids);
    // Redelivered by the dead-letter queue: still one dead letter.
    await deliver(CAPTURE_DEAD_LETTER_QUEUE_NAME, [bad], 2);
    const list = await deadLetters(tenantId);
    expect(list.total).toBe(1);
    expect(list.data[0]).toMatchObject({
      capture_id: bad.id,
      reason: "refused",
      attempts: CAPTURE_DELIVERY_ATTEMPTS,
      retryable: true,
    });
    // Later captures flow again: nothing is left to hold them back.
    const later = await deliver(CAPTURE_QUEUE_NAME, [captureFixture(tenantId)]);
    expect(later.acked).toEqual(later.ids);
  });

  it("replays a dead letter into the stored completions and removes it; other tenants cannot see it", async () => {
    const { id: tenantId, key } = await createTenant();
    const kept = captureFixture(tenantId, { metadata: { case: "retry" } });
    const dead = await deliver(CAPTURE_DEAD_LETTER_QUEUE_NAME, [kept]);
    expect(dead.acked).toEqual(dead.ids);
    const [deadLetter] = (await deadLetters(tenantId)).data;
    const deadLetterId = deadLetter?.id ?? "";
    const other = await createTenant();
    expect((await deadLetters(other.id)).total).toBe(0);
    const wrong = await admin(`/tenants/${other.id}/captures/dead_letter/${deadLetterId}/retry`, "POST");
    expect(wrong.status).toBe(404);
    const res = await admin(`/tenants/${tenantId}/captures/dead_letter/${deadLetterId}/retry`, "POST");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: deadLetterId, completion_id: kept.id });
    expect((await deadLetters(tenantId)).total).toBe(0);
    const got = await sdk(key).chat.completions.retrieve(kept.id);
    expect((got as unknown as { metadata: unknown }).metadata).toEqual({ case: "retry" });
    expect(got.choices[0]?.message.content).toBe("ok");
  });

  it("still replays a dead letter kept compressed in D1 before records moved to R2", async () => {
    const { id: tenantId, key } = await createTenant();
    const kept = captureFixture(tenantId);
    const gz = new Uint8Array(
      await new Response(
        new Blob([JSON.stringify(kept)]).stream().pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    );
    await env.DB.prepare(
      `INSERT INTO capture_dead_letters (id, tenant_id, capture_id, kind, model, reason, record_gz, record_bytes, attempts, last_error, created_at)
       VALUES ('cdl_legacy', ?, ?, 'chat', 'gpt-4o-mini', 'refused', ?, 100, 5, 'D1 was down', 1)`,
    )
      .bind(tenantId, kept.id, gz)
      .run();
    expect((await deadLetters(tenantId)).data[0]).toMatchObject({ id: "cdl_legacy", retryable: true });
    const res = await admin(`/tenants/${tenantId}/captures/dead_letter/cdl_legacy/retry`, "POST");
    expect(res.status).toBe(200);
    const got = await sdk(key).chat.completions.retrieve(kept.id);
    expect(got.choices[0]?.message.content).toBe("ok");
  });
});

describe("cache events", () => {
  it("writes a batch with one megabyte-sized model without dropping the other tenants' events", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const event = (tenantId: string, model: string): CacheEvent => ({
      tenantId,
      at: Date.now(),
      endpoint: "/v1/chat/completions",
      model,
      outcome: "miss",
      stored: false,
      stream: false,
      similarity: null,
      key: null,
      inputTokensSaved: 0,
      outputTokensSaved: 0,
      latencyMs: 1,
      shadow: null,
      preview: "p",
    });
    await env.DB.batch(
      eventStatements(env.DB, [event(a.id, "m".repeat(2_100_000)), event(b.id, "gpt-4o-mini")]),
    );
    const [ofA, ofB] = await Promise.all([
      listCacheEvents(env.DB, a.id, 10, null),
      listCacheEvents(env.DB, b.id, 10, null),
    ]);
    expect(ofB.data.map((e) => e.model)).toEqual(["gpt-4o-mini"]);
    expect(ofA.data[0]?.model.length).toBeLessThanOrEqual(256);
  });
});
