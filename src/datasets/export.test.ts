import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { writeSegment } from "../storage/segments";
import { EXPORT_PAGE_ROWS, EXPORT_PAGES_AHEAD, EXPORT_SMALL_PAGE_ROWS, exportStream } from "./export";
import type { ExampleRow } from "./repository";

const TENANT = "ten_export";

const exampleOf = (seq: number) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `q${seq}` },
      { role: "assistant", content: `a${seq}` },
    ],
  });

/** `total` example rows by `seq` whose bodies are in R2 segments (one per page), as ingest writes them. */
async function storedRows(total: number): Promise<ExampleRow[]> {
  const rows: ExampleRow[] = [];
  for (let first = 1; first <= total; first += EXPORT_PAGE_ROWS) {
    const seqs = Array.from({ length: Math.min(EXPORT_PAGE_ROWS, total - first + 1) }, (_, i) => first + i);
    const refs = await writeSegment(
      env.BLOBS,
      TENANT,
      seqs.map((seq) => `{"example":${exampleOf(seq)},"rejected":null}`),
    );
    seqs.forEach((seq, i) => {
      rows.push({
        seq,
        id: `ex${seq}`,
        dataset_id: "ds",
        content_hash: String(seq),
        split: "train",
        example: "",
        rejected: null,
        body_ref: refs[i] ?? null,
        source: "api",
        source_id: null,
        created_at: 0,
      });
    });
  }
  return rows;
}

/** A D1 stand-in serving `rows` by `seq` and an R2 bucket counting its reads. */
function storage(rows: ExampleRow[]) {
  const reads = { pages: 0, objects: 0 };
  const db = {
    prepare: () => ({
      bind: (...args: unknown[]) => ({
        all: async () => {
          reads.pages++;
          const [afterSeq, limit] = args.slice(-2) as [number, number];
          return { results: rows.filter((r) => r.seq > afterSeq).slice(0, limit) };
        },
      }),
    }),
  };
  const blobs = {
    get: (key: string, options?: R2GetOptions) => {
      reads.objects++;
      return env.BLOBS.get(key, options);
    },
  };
  return { env: { DB: db as unknown as D1Database, BLOBS: blobs as unknown as R2Bucket }, reads };
}

describe("export stream", () => {
  it("reads a page from D1 and its bodies from R2, a bounded number of pages ahead of the consumer (constant memory)", async () => {
    // Enough pages that the read-ahead fills and drains (a small page, four full ones, a short one).
    const total = 5 * EXPORT_PAGE_ROWS;
    const { env: store, reads } = storage(await storedRows(total));
    const reader = exportStream(store, { id: "ds", tenant_id: TENANT }, "all", "chat").getReader();
    const first = await reader.read();
    const firstLines = new TextDecoder().decode(first.value).split("\n");
    // The first page is small: it may hold bodies written inline before R2.
    expect(firstLines).toHaveLength(EXPORT_SMALL_PAGE_ROWS + 1);
    expect(firstLines[0]).toBe(exampleOf(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(reads.pages).toBe(1 + EXPORT_PAGES_AHEAD);
    let lines = EXPORT_SMALL_PAGE_ROWS;
    let chunks = 1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const n = new TextDecoder().decode(value).split("\n").length - 1;
      expect(n).toBeLessThanOrEqual(EXPORT_PAGE_ROWS);
      lines += n;
      chunks++;
      expect(reads.pages).toBeLessThanOrEqual(chunks + EXPORT_PAGES_AHEAD);
    }
    expect(lines).toBe(total);
    // One small page, then pages of EXPORT_PAGE_ROWS; the last one comes back short and ends it.
    expect(reads.pages).toBe(1 + Math.ceil((total - EXPORT_SMALL_PAGE_ROWS) / EXPORT_PAGE_ROWS));
    // A page's bodies lie in at most two segments: one ranged read each.
    expect(reads.objects).toBeLessThanOrEqual(2 * reads.pages);
  });

  it("keeps pages small while rows hold their bodies inline (written before R2)", async () => {
    const rows = (await storedRows(3 * EXPORT_SMALL_PAGE_ROWS)).map((row) => ({
      ...row,
      example: exampleOf(row.seq),
      body_ref: null,
    }));
    const { env: store, reads } = storage(rows);
    const text = await new Response(
      exportStream(store, { id: "ds", tenant_id: TENANT }, "all", "chat"),
    ).text();
    expect(text.split("\n")).toHaveLength(3 * EXPORT_SMALL_PAGE_ROWS + 1);
    // Three full small pages and the empty one after them; no R2 read for inline bodies.
    expect(reads).toEqual({ pages: 4, objects: 0 });
  });
});
