/**
 * Captures an older version left in a tenant's capture buffer (D1 was down when they were made) are
 * not lost on upgrade: the buffer's pending alarm sends them to the capture queue, and they are
 * stored like any capture.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { captureFixture, storedCompletion } from "./helpers/captures";
import { createTenant } from "./helpers/gateway";

it("sends what an older version buffered to the capture queue, then empties itself", async () => {
  const tenant = await createTenant();
  const records = [captureFixture(tenant.id), captureFixture(tenant.id)];
  const buffer = env.CAPTURE_BUFFER.getByName(tenant.id);
  // The storage and alarm the previous CaptureBuffer left behind.
  await runInDurableObject(buffer, async (_instance, state) => {
    state.storage.sql.exec(
      "CREATE TABLE pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)",
    );
    for (const r of records)
      state.storage.sql.exec("INSERT INTO pending (record) VALUES (?)", JSON.stringify(r));
    await state.storage.setAlarm(Date.now() + 60_000);
  });

  expect(await runDurableObjectAlarm(buffer)).toBe(true);

  for (const r of records) expect((await storedCompletion(tenant.key, r.id)).status).toBe(200);
  const left = await runInDurableObject(buffer, async (_instance, state) => ({
    tables: state.storage.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'pending'",
      )
      .one().n,
    alarm: await state.storage.getAlarm(),
  }));
  expect(left).toEqual({ tables: 0, alarm: null });
});
