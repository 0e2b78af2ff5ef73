/**
 * Captured completions through the capture queue: bodies in R2 segments, D1 as the index. A body
 * over the queue's message limit travels by reference; deleting a completion leaves its body
 * unreadable (its key was only in the row).
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { readRecord, segmentKey } from "../../src/storage/segments";
import { ask, postChat } from "./helpers/chat";
import { waitFor } from "./helpers/distill";
import { createTenant, sdk } from "./helpers/gateway";
import { sim } from "./helpers/sim";

beforeEach(() => sim.reset());

interface IndexRow {
  request: string;
  answer: string;
  body_ref: string | null;
}

/** The completion's D1 row once the consumer wrote it (null if it never came). */
function indexRow(id: string): Promise<IndexRow | null> {
  const read = () =>
    env.DB.prepare("SELECT request, answer, body_ref FROM stored_completions WHERE id = ?")
      .bind(id)
      .first<IndexRow>();
  return waitFor(read, (row) => row !== null);
}

const segmentOf = (ref: string) => ref.split(".")[1] ?? "";

describe("captures in R2 segments", () => {
  it("keeps only the index in D1 and reads the body back from R2", async () => {
    const { key, id: tenantId } = await createTenant();
    const done = await sdk(key).chat.completions.create({
      ...ask("Where is the body kept?"),
      messages: [{ role: "user", content: "Where is the body kept?" }],
      store: true,
    });
    const row = await indexRow(done.id);
    expect(row).toMatchObject({ request: "", answer: "" });
    expect(row?.body_ref).toMatch(/^s1\./);
    const body = JSON.parse((await readRecord(env.BLOBS, tenantId, row?.body_ref ?? "")) ?? "{}");
    expect(JSON.parse(body.request).messages).toEqual([{ role: "user", content: "Where is the body kept?" }]);
    const got = await sdk(key).chat.completions.retrieve(done.id);
    expect(got.choices[0]?.message.content).toBe(done.choices[0]?.message.content);
  });

  it("sends a capture over the queue's message limit with its body already in R2, read back whole", async () => {
    const { key } = await createTenant();
    const long = `${"a long prompt ".repeat(12_000)}end`;
    const res = await postChat(key, { ...ask(long), store: true });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const row = await indexRow(id);
    expect(row?.body_ref).toMatch(/^s1\./);
    const messages = await sdk(key).chat.completions.messages.list(id);
    expect(messages.data[0]?.content).toBe(long);
  });

  it("leaves the body unreadable once the completion is deleted: its key was only in the row", async () => {
    const { key, id: tenantId } = await createTenant();
    const secret = "the launch code is swordfish-8472";
    const done = await sdk(key).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: secret }],
      store: true,
    });
    const ref = (await indexRow(done.id))?.body_ref ?? "";
    const object = await env.BLOBS.get(segmentKey(tenantId, segmentOf(ref)));
    const bytes = new TextDecoder("latin1").decode(await object?.arrayBuffer());
    // Sealed: the segment never holds the plain text.
    expect(bytes).not.toContain("swordfish");
    expect(await readRecord(env.BLOBS, tenantId, ref)).toContain("swordfish");

    await sdk(key).chat.completions.delete(done.id);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM stored_completions WHERE body_ref = ?")
      .bind(ref)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    // The segment is append-only and stays; without the row's key its bytes cannot be opened.
    const [version, segment, offset, length] = ref.split(".");
    const otherKey = "A".repeat(22);
    await expect(
      readRecord(env.BLOBS, tenantId, [version, segment, offset, length, otherKey].join(".")),
    ).rejects.toThrow();
    await expect(sdk(key).chat.completions.retrieve(done.id)).rejects.toMatchObject({ status: 404 });
  });
});
