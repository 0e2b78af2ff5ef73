import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { archiveEndedSessions } from "../../src/realtime/records/transcript-archive";
import { parseRef, segmentKey } from "../../src/storage/segments";
import { admin, createTenant } from "./helpers/gateway";
import { eventually, sayText, startSession } from "./helpers/realtime";

interface Detail {
  status: string;
  instructions: string | null;
  items: { item_id: string; type: string; role: string | null; text: string | null; output: string | null }[];
}

const detailOf = async (tenantId: string, sessionId: string) => {
  const res = await admin(`/tenants/${tenantId}/realtime/sessions/${sessionId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Detail;
};

const sessionRow = (id: string) =>
  env.DB.prepare("SELECT transcript_ref FROM realtime_sessions WHERE id = ?")
    .bind(id)
    .first<{ transcript_ref: string | null }>();
const itemRows = async (id: string) =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM realtime_items WHERE session_id = ?")
      .bind(id)
      .first<{ n: number }>()
  )?.n;

/** A session written the way the relay wrote them before transcripts moved to R2. */
async function oldSession(tenantId: string, id: string, endedAt: number): Promise<void> {
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO realtime_sessions (id, tenant_id, user_id, key_id, model, type, status, instructions, started_at, ended_at, end_reason)
       VALUES (?, ?, 'u1', 'key', 'gpt-realtime-2', 'realtime', 'ended', 'Be brief.', ?, ?, 'client_closed')`,
    ).bind(id, tenantId, endedAt - 60, endedAt),
    ...["hello", "hi there"].map((text, i) =>
      env.DB.prepare(
        `INSERT INTO realtime_items (session_id, item_id, ordinal, type, role, text, server_tool, updated_at)
         VALUES (?, ?, ?, 'message', ?, ?, 0, ?)`,
      ).bind(id, `item_${i}`, i, i === 0 ? "user" : "assistant", text, endedAt),
    ),
  ]);
}

describe("realtime transcripts in R2", () => {
  it("moves an ended session's items to R2 and shows the same transcript afterwards", async () => {
    const tenant = await createTenant({ realtime: { instructions: "Be helpful." } });
    const { client, sessionId } = await startSession({ key: tenant.key, user: "archived" });
    sayText(client, "keep this transcript");
    await client.next("response.done");
    client.close();
    await client.waitClosed();

    const row = await eventually(
      () => sessionRow(sessionId),
      (r) => r?.transcript_ref != null,
    );
    expect(await itemRows(sessionId)).toBe(0);
    const ref = parseRef(row?.transcript_ref as string);
    const segment = await env.BLOBS.get(segmentKey(tenant.id, ref?.segment as string));
    expect(segment).not.toBeNull();
    expect(new TextDecoder().decode(await segment?.arrayBuffer())).not.toContain("keep this transcript");

    const detail = await detailOf(tenant.id, sessionId);
    expect(detail.instructions).toBe("Be helpful.");
    expect(detail.items.map((i) => [i.role, i.text])).toEqual([
      ["user", "keep this transcript"],
      ["assistant", "You said: keep this transcript"],
    ]);
  });

  it("archives sessions recorded before, resumably, and leaves live and recent ones in D1", async () => {
    const tenant = await createTenant();
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 7; i++) await oldSession(tenant.id, `rtsess_old${i}`, now - 3600 - i);
    await oldSession(tenant.id, "rtsess_recent", now);
    await env.DB.prepare(
      "UPDATE realtime_sessions SET status = 'active', ended_at = NULL WHERE id = 'rtsess_old6'",
    ).run();
    const before = await detailOf(tenant.id, "rtsess_old0");

    expect(await archiveEndedSessions(env, { limit: 4 })).toEqual({ archived: 4, remaining: 2 });
    expect(await archiveEndedSessions(env)).toEqual({ archived: 2, remaining: 0 });
    expect(await archiveEndedSessions(env)).toEqual({ archived: 0, remaining: 0 });

    expect(await detailOf(tenant.id, "rtsess_old0")).toEqual(before);
    expect(await itemRows("rtsess_old0")).toBe(0);
    expect((await sessionRow("rtsess_recent"))?.transcript_ref).toBeNull();
    expect(await itemRows("rtsess_recent")).toBe(2);
    expect((await sessionRow("rtsess_old6"))?.transcript_ref).toBeNull();
    expect(await itemRows("rtsess_old6")).toBe(2);
  });

  it("never shows one tenant's archived transcript to another", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await oldSession(tenant.id, "rtsess_private", Math.floor(Date.now() / 1000) - 3600);
    await archiveEndedSessions(env);
    expect((await admin(`/tenants/${other.id}/realtime/sessions/rtsess_private`)).status).toBe(404);
    expect((await detailOf(tenant.id, "rtsess_private")).items).toHaveLength(2);
  });
});
