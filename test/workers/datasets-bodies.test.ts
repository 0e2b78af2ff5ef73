/**
 * Dataset examples keep their bodies in R2 segments and only an index row in D1; rows written
 * inline before keep working and are moved by migrateExampleBodies.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrateExampleBodies } from "../../src/datasets/example-bodies";
import { parseRef } from "../../src/storage/segments";
import { createTenant, gw, jsonInit } from "./helpers/gateway";

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const line = (q: string, a: string) => ({
  messages: [
    { role: "user", content: q },
    { role: "assistant", content: a },
  ],
});

interface StoredRow {
  seq: number;
  example: string;
  rejected: string | null;
  body_ref: string | null;
}

async function dataset(key: string): Promise<string> {
  const res = await gw("/v1/datasets", jsonInit("POST", { name: "bodies", validation_ratio: 0 }, auth(key)));
  return ((await res.json()) as { id: string }).id;
}

const rowsOf = async (datasetId: string) =>
  (
    await env.DB.prepare(
      "SELECT seq, example, rejected, body_ref FROM dataset_examples WHERE dataset_id = ? ORDER BY seq",
    )
      .bind(datasetId)
      .all<StoredRow>()
  ).results;

const exported = async (key: string, id: string, format = "chat") =>
  (await (await gw(`/v1/datasets/${id}/export?format=${format}`, { headers: auth(key) })).text())
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as unknown);

/** A row as versions before R2 wrote it: the bodies inline, no reference. */
async function insertOldWay(datasetId: string, n: number, example: unknown, rejected: unknown = null) {
  await env.DB.prepare(
    `INSERT INTO dataset_examples (id, dataset_id, content_hash, split, example, rejected, source, source_id, created_at)
      VALUES (?, ?, ?, 'train', ?, ?, 'api', NULL, 0)`,
  )
    .bind(
      `dsex_old${n}_${datasetId}`,
      datasetId,
      `old${n}`,
      JSON.stringify(example),
      rejected === null ? null : JSON.stringify(rejected),
    )
    .run();
}

describe("dataset example bodies in R2", () => {
  it("stores one segment per batch and only a reference in D1, and reads them back in lists and exports", async () => {
    const { id: tenant, key } = await createTenant();
    const id = await dataset(key);
    const examples = [line("a", "1"), line("b", "2"), line("a", "1")];
    const added = await gw(`/v1/datasets/${id}/examples`, jsonInit("POST", { examples }, auth(key)));
    expect(await added.json()).toMatchObject({ added: 2, duplicates: 1 });
    const rows = await rowsOf(id);
    expect(rows.map((r) => [r.example, r.rejected])).toEqual([
      ["", null],
      ["", null],
    ]);
    const segments = new Set(rows.map((r) => parseRef(r.body_ref ?? "")?.segment));
    expect(segments.size).toBe(1);
    // The duplicate's record is in the segment too, unreachable: no row holds its key.
    expect((await env.BLOBS.list({ prefix: `seg/${tenant}/` })).objects).toHaveLength(1);
    const listed = (await (await gw(`/v1/datasets/${id}/examples`, { headers: auth(key) })).json()) as {
      data: { example: unknown }[];
    };
    expect(listed.data.map((d) => d.example)).toEqual([line("a", "1"), line("b", "2")]);
    expect(await exported(key, id)).toEqual([line("a", "1"), line("b", "2")]);
  });

  it("reads rows written inline before, next to new ones, and migrateExampleBodies moves them resumably", async () => {
    const { id: tenant, key } = await createTenant();
    const id = await dataset(key);
    const rejected = { role: "assistant", content: "wrong" };
    await insertOldWay(id, 1, line("old q1", "old a1"), rejected);
    await insertOldWay(id, 2, line("old q2", "old a2"));
    await gw(`/v1/datasets/${id}/examples`, jsonInit("POST", { examples: [line("new", "n")] }, auth(key)));
    const before = await exported(key, id);
    expect(before).toEqual([line("old q1", "old a1"), line("old q2", "old a2"), line("new", "n")]);
    const dpoBefore = await exported(key, id, "dpo");

    // A crash after the segment write and before the D1 update leaves the row inline, moved again later.
    const segmentsOf = async () => (await env.BLOBS.list({ prefix: `seg/${tenant}/` })).objects.length;
    const segmentsBefore = await segmentsOf();
    const crashing = {
      prepare: (query: string) => env.DB.prepare(query),
      batch: async () => {
        throw new Error("crashed before the D1 update");
      },
    } as unknown as D1Database;
    await expect(migrateExampleBodies({ BLOBS: env.BLOBS, DB: crashing }, 1)).rejects.toThrow("crashed");
    expect(await segmentsOf()).toBe(segmentsBefore + 1);
    expect((await rowsOf(id))[0]).toMatchObject({
      body_ref: null,
      example: JSON.stringify(line("old q1", "old a1")),
    });
    const first = await migrateExampleBodies(env, 1);
    expect(first).toEqual({ moved: 1, remaining: 1 });
    let last = first;
    while (last.remaining > 0) last = await migrateExampleBodies(env, 1);
    expect(await migrateExampleBodies(env, 10)).toEqual({ moved: 0, remaining: 0 });

    const rows = await rowsOf(id);
    expect(rows.every((r) => r.example === "" && r.rejected === null && r.body_ref !== null)).toBe(true);
    expect(await exported(key, id)).toEqual(before);
    expect(await exported(key, id, "dpo")).toEqual(dpoBefore);
    expect(dpoBefore).toHaveLength(1);
  });

  it("leaves a deleted dataset's bodies unreadable: the keys were only in its rows", async () => {
    const { id: tenant, key } = await createTenant();
    const id = await dataset(key);
    await gw(`/v1/datasets/${id}/examples`, jsonInit("POST", { examples: [line("secret", "s")] }, auth(key)));
    const [row] = await rowsOf(id);
    const segment = parseRef(row?.body_ref ?? "")?.segment ?? "";
    await gw(`/v1/datasets/${id}`, { method: "DELETE", headers: auth(key) });
    expect(await rowsOf(id)).toEqual([]);
    const bytes = await (await env.BLOBS.get(`seg/${tenant}/${segment}`))?.text();
    expect(bytes).toBeDefined();
    expect(bytes).not.toContain("secret");
  });
});
