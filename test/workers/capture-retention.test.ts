/**
 * Retention of captured traffic: the operator's CAPTURE_RETENTION_DAYS for every tenant, a tenant's
 * shorter `distillation.retention_days`, the cron deleting what is older in batches, and a list
 * cursor that names a deleted capture refused instead of answered with an empty page.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { CAPTURE_QUEUE_NAME } from "../../src/datasets/capture-consumer";
import type { CaptureRecord } from "../../src/datasets/completions-repository";
import { pruneCaptures } from "../../src/datasets/retention";
import { tenantsPastTheirWindow } from "../../src/datasets/retention-repository";
import worker from "../../src/index";
import { captureFixture, deliver } from "./helpers/captures";
import { adminAs, bearer, createConsoleTenant } from "./helpers/console";
import { admin, apiError, createTenant, errorOf, gw, jsonInit, sdk } from "./helpers/gateway";

const DAY_MS = 86_400_000;

/** Captures of `tenantId` made `ages` days ago, delivered through the capture queue's consumer. */
async function capturedDaysAgo(tenantId: string, ages: readonly number[]): Promise<CaptureRecord[]> {
  const now = Date.now();
  const records = ages.map((days) => captureFixture(tenantId, { createdMs: now - days * DAY_MS }));
  const { acked } = await deliver(CAPTURE_QUEUE_NAME, records);
  expect(acked).toHaveLength(records.length);
  return records;
}

/** A capture dead letter of `tenantId` made `ageDays` ago. */
function deadLetter(id: string, tenantId: string, ageDays: number): D1PreparedStatement {
  return env.DB.prepare(
    `INSERT INTO capture_dead_letters (id, tenant_id, capture_id, kind, model, reason, record_gz, record_bytes, attempts, last_error, created_at)
     VALUES (?, ?, ?, 'chat', 'gpt-4o-mini', 'refused', NULL, 10, 6, 'D1 down', ?)`,
  ).bind(id, tenantId, `chatcmpl-${id}`, Date.now() - ageDays * DAY_MS);
}

async function cron(bindings: typeof env = env): Promise<void> {
  const ctx = createExecutionContext();
  worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function kept(records: readonly CaptureRecord[]): Promise<boolean[]> {
  return Promise.all(
    records.map(async (r) => {
      const row = await env.DB.prepare("SELECT 1 AS found FROM stored_completions WHERE id = ?")
        .bind(r.id)
        .first();
      return row !== null;
    }),
  );
}

describe("capture retention", () => {
  it("deletes a tenant's captures older than its retention_days at the cron, and nobody else's", async () => {
    const short = await createTenant({ distillation: { retention_days: 7 } });
    const other = await createTenant();
    const mine = await capturedDaysAgo(short.id, [8, 30, 1]);
    const theirs = await capturedDaysAgo(other.id, [8, 30]);
    await cron();
    expect(await kept(mine)).toEqual([false, false, true]);
    expect(await kept(theirs)).toEqual([true, true]);
    const gone = await gw(`/v1/chat/completions/${mine[0]?.id}`, {
      headers: { authorization: `Bearer ${short.key}` },
    });
    expect(gone.status).toBe(404);
    const left = await sdk(short.key).chat.completions.retrieve(mine[2]?.id ?? "");
    expect(left.id).toBe(mine[2]?.id);
  });

  it("applies the operator's CAPTURE_RETENTION_DAYS to every tenant; a tenant's longer window does not extend it", async () => {
    const longer = await createTenant({ distillation: { retention_days: 365 } });
    const plain = await createTenant();
    const a = await capturedDaysAgo(longer.id, [45, 20]);
    const b = await capturedDaysAgo(plain.id, [31, 29]);
    await env.DB.batch([deadLetter("dl-old", plain.id, 40), deadLetter("dl-new", plain.id, 2)]);
    await cron({ ...env, CAPTURE_RETENTION_DAYS: "30" });
    expect(await kept(a)).toEqual([false, true]);
    expect(await kept(b)).toEqual([false, true]);
    const { results } = await env.DB.prepare(
      "SELECT id FROM capture_dead_letters WHERE tenant_id = ? ORDER BY id",
    )
      .bind(plain.id)
      .all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual(["dl-new"]);
  });

  it("applies a tenant's shorter window under the operator's, to its captures and dead letters alike", async () => {
    const strict = await createTenant({ distillation: { retention_days: 7 } });
    const plain = await createTenant();
    const mine = await capturedDaysAgo(strict.id, [10, 3]);
    const theirs = await capturedDaysAgo(plain.id, [10]);
    await env.DB.batch([
      deadLetter("dl-strict-10", strict.id, 10),
      deadLetter("dl-strict-3", strict.id, 3),
      deadLetter("dl-plain-10", plain.id, 10),
    ]);
    await cron({ ...env, CAPTURE_RETENTION_DAYS: "30" });
    expect(await kept(mine)).toEqual([false, true]);
    expect(await kept(theirs)).toEqual([true]);
    const { results } = await env.DB.prepare(
      "SELECT id FROM capture_dead_letters WHERE tenant_id IN (?, ?) ORDER BY id",
    )
      .bind(strict.id, plain.id)
      .all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual(["dl-plain-10", "dl-strict-3"]);
  });

  it("keeps captures, and says so in the log, when CAPTURE_RETENTION_DAYS is not a whole number of days", async () => {
    const t = await createTenant();
    const records = await capturedDaysAgo(t.id, [400]);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await cron({ ...env, CAPTURE_RETENTION_DAYS: "30d" });
      expect(errors.mock.calls.map(String).join("\n")).toContain(
        "CAPTURE_RETENTION_DAYS is not a whole number",
      );
    } finally {
      errors.mockRestore();
    }
    expect(await kept(records)).toEqual([true]);
  });

  it("deletes in batches within a run's statement budget and finishes over later runs", async () => {
    // A tenant with a window and nothing past it is not among those a run spends statements on.
    const idle = await createTenant({ distillation: { retention_days: 1 } });
    await capturedDaysAgo(idle.id, [0]);
    const t = await createTenant({ distillation: { retention_days: 1 } });
    const old = await capturedDaysAgo(t.id, [2, 3, 4, 5, 6, 7, 8]);
    const due = (await tenantsPastTheirWindow(env.DB, Date.now(), null)).map((w) => w.id);
    expect(due).toContain(t.id);
    expect(due).not.toContain(idle.id);
    const limits = { batch: 2, statements: 2, ms: 60_000 };
    const first = await pruneCaptures(env, Date.now(), limits);
    expect(first).toMatchObject({ completions: 4, more: true });
    expect((await kept(old)).filter(Boolean)).toHaveLength(3);
    const second = await pruneCaptures(env, Date.now(), { batch: 2, statements: 10, ms: 60_000 });
    expect(second).toMatchObject({ completions: 3, more: false });
    expect((await kept(old)).some(Boolean)).toBe(false);
  });

  it("refuses a retention_days that is not a whole number of days from 1 to 3650, naming the field", async () => {
    const t = await createTenant();
    for (const bad of [0, 3651, 1.5, "30"]) {
      const res = await admin(`/tenants/${t.id}`, "PATCH", {
        settings: { distillation: { retention_days: bad } },
      });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toContain("retention_days");
    }
    const ok = await admin(`/tenants/${t.id}`, "PATCH", {
      settings: { distillation: { retention_days: 30 } },
    });
    expect(ok.status).toBe(200);
  });

  it("lets the tenant's own console key set its window (it can only shorten the operator's)", async () => {
    const t = await createConsoleTenant();
    const res = await adminAs(t.consoleKey, `/tenants/${t.id}`, "PATCH", {
      settings: { distillation: { retention_days: 14 } },
    });
    expect(res.status).toBe(200);
    const { settings } = (await res.json()) as { settings: { distillation?: { retention_days?: number } } };
    expect(settings.distillation?.retention_days).toBe(14);
  });

  it("answers 400 invalid_cursor to a list after a capture that was deleted, instead of an empty page", async () => {
    const t = await createTenant();
    const [first, second] = await capturedDaysAgo(t.id, [2, 1]);
    const client = sdk(t.key);
    const page = await client.chat.completions.list({ order: "asc", after: first?.id ?? "" });
    expect(page.data.map((c) => c.id)).toEqual([second?.id]);
    // After the last one: the list's end, an empty page (the cursor is looked up only then).
    const end = await client.chat.completions.list({ order: "asc", after: second?.id ?? "" });
    expect(end.data).toEqual([]);
    await client.chat.completions.delete(first?.id ?? "");
    const err = await apiError(client.chat.completions.list({ order: "asc", after: first?.id ?? "" }));
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_cursor");
    expect(err.message).toContain("List again without 'after'");
    // An end user pages through its own captures only: another user's id is refused like a missing one.
    const minted = await gw("/v1/auth/user_tokens", jsonInit("POST", { user: "ana" }, bearer(t.key)));
    const { token } = (await minted.json()) as { token: string };
    const now = Date.now();
    const anaOld = captureFixture(t.id, { userId: "ana", createdMs: now - 5_000 });
    const anaNew = captureFixture(t.id, { userId: "ana", createdMs: now - 1_000 });
    const bobs = captureFixture(t.id, { userId: "bob", createdMs: now - 2_000 });
    expect((await deliver(CAPTURE_QUEUE_NAME, [anaOld, anaNew, bobs])).acked).toHaveLength(3);
    const asAna = sdk(token);
    const anaPage = await asAna.chat.completions.list({ order: "asc", after: anaOld.id });
    expect(anaPage.data.map((c) => c.id)).toEqual([anaNew.id]);
    const notHers = await apiError(asAna.chat.completions.list({ after: bobs.id }));
    expect(notHers.code).toBe("invalid_cursor");
    // Another tenant's id is refused alike: its existence is not told.
    const stranger = await createTenant();
    const [theirs] = await capturedDaysAgo(stranger.id, [1]);
    const foreign = await apiError(client.chat.completions.list({ after: theirs?.id ?? "" }));
    expect(foreign.code).toBe("invalid_cursor");
  });
});
