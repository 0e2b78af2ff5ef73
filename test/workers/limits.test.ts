/**
 * Limits with clear errors and nothing silently lost: deep nesting and oversized stored strings are
 * 400s naming the field (they were 500s for every tenant); a capture too big for a database row, a
 * record the database keeps refusing, and an oversized cache event are kept or bounded instead of
 * dropped, and the dead letters are visible and retryable through the admin API.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { type CacheEvent, eventStatements, listCacheEvents } from "../../src/cache/events";
import { persistCapture } from "../../src/datasets/capture";
import type { CaptureRecord } from "../../src/datasets/completions-repository";
import { addDeadLetter, MAX_CAPTURE_ATTEMPTS } from "../../src/datasets/dead-letters";
import { MAX_JSON_DEPTH } from "../../src/platform/json-depth";
import { ask, postChat } from "./helpers/chat";
import { admin, createTenant, errorOf, gw } from "./helpers/gateway";
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

function record(tenantId: string, overrides: Partial<CaptureRecord> = {}): CaptureRecord {
  return {
    id: `chatcmpl-${crypto.randomUUID()}`,
    tenantId,
    kind: "chat",
    model: "gpt-4o-mini",
    request: JSON.stringify(ask("kept")),
    answer: JSON.stringify({ choices: [{ message: { role: "assistant", content: "ok" } }] }),
    metadata: {},
    userId: null,
    cacheStatus: "MISS",
    latencyMs: 5,
    inputTokens: 1,
    outputTokens: 1,
    createdMs: Date.now(),
    ...overrides,
  };
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
    const deadline = Date.now() + 3_000;
    let got = await gw(`/v1/chat/completions/${id}`, { headers: { authorization: `Bearer ${key}` } });
    while (got.status === 404 && Date.now() < deadline)
      got = await gw(`/v1/chat/completions/${id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(got.status).toBe(200);
  });

  it("keeps a capture over the database's row limit as a visible, compressed dead letter", async () => {
    const { id: tenantId } = await createTenant();
    // Bigger than a D1 row may be (the test gateway's body limit is 1 MB, so it is made here).
    const big = record(tenantId, { request: JSON.stringify(ask("x".repeat(2_500_000))) });
    expect(await persistCapture(env, big)).toBe("dead_letter");
    const list = await deadLetters(tenantId);
    expect(list.total).toBe(1);
    expect(list.data[0]).toMatchObject({ capture_id: big.id, reason: "too_large", retryable: true });
    expect(list.data[0]?.bytes).toBeGreaterThan(2_500_000);
    // Still too big for a row: the retry says so and the dead letter stays, one attempt more.
    const retry = await admin(`/tenants/${tenantId}/captures/dead_letter/${list.data[0]?.id}/retry`, "POST");
    expect(retry.status).toBe(409);
    expect((await errorOf(retry)).code).toBe("capture_retry_failed");
    expect((await deadLetters(tenantId)).data[0]?.attempts).toBe(2);
  });

  it("moves a record the database keeps refusing out of the buffer after N attempts, without blocking others", async () => {
    const { id: tenantId } = await createTenant();
    const stub = env.CAPTURE_BUFFER.getByName(tenantId);
    // A value D1 cannot bind: refused on every attempt, whatever the load.
    const bad = record(tenantId, { latencyMs: { not: "a number" } as unknown as number });
    const good = record(tenantId);
    await stub.enqueue(bad);
    await stub.enqueue(good);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.pending()).toBe(1);
    const stored = await env.DB.prepare("SELECT id FROM stored_completions WHERE id = ?")
      .bind(good.id)
      .first();
    expect(stored).not.toBeNull();
    for (let attempt = 2; attempt <= MAX_CAPTURE_ATTEMPTS; attempt++) {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    }
    expect(await stub.pending()).toBe(0);
    const list = await deadLetters(tenantId);
    expect(list.total).toBe(1);
    expect(list.data[0]).toMatchObject({
      capture_id: bad.id,
      reason: "refused",
      attempts: MAX_CAPTURE_ATTEMPTS,
    });
    // Later captures flow again: nothing is left to hold them back.
    await stub.enqueue(record(tenantId));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.pending()).toBe(0);
  });

  it("writes a dead letter to the stored completions on retry and removes it; other tenants cannot see it", async () => {
    const { id: tenantId, key } = await createTenant();
    const kept = record(tenantId, { metadata: { case: "retry" } });
    const deadLetterId = await addDeadLetter(env.DB, kept, "refused", MAX_CAPTURE_ATTEMPTS, "D1 was down");
    const other = await createTenant();
    expect((await deadLetters(other.id)).total).toBe(0);
    const wrong = await admin(`/tenants/${other.id}/captures/dead_letter/${deadLetterId}/retry`, "POST");
    expect(wrong.status).toBe(404);
    const res = await admin(`/tenants/${tenantId}/captures/dead_letter/${deadLetterId}/retry`, "POST");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: deadLetterId, completion_id: kept.id });
    expect((await deadLetters(tenantId)).total).toBe(0);
    const got = await gw(`/v1/chat/completions/${kept.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(got.status).toBe(200);
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
