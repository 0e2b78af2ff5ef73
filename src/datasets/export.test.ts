import { describe, expect, it } from "vitest";
import { EXPORT_PAGE_ROWS, exportStream } from "./export";
import type { ExampleRow } from "./repository";

/** A D1 stand-in serving `total` example rows by `seq`, counting the pages read. */
function fakeDb(total: number) {
  const reads = { pages: 0 };
  const db = {
    prepare: () => ({
      bind: (...args: unknown[]) => ({
        all: async () => {
          reads.pages++;
          const [afterSeq, limit] = args.slice(-2) as [number, number];
          const results: ExampleRow[] = [];
          for (let seq = afterSeq + 1; seq <= Math.min(total, afterSeq + limit); seq++) {
            const example = JSON.stringify({
              messages: [
                { role: "user", content: `q${seq}` },
                { role: "assistant", content: `a${seq}` },
              ],
            });
            results.push({
              seq,
              id: `ex${seq}`,
              dataset_id: "ds",
              content_hash: String(seq),
              split: "train",
              example,
              rejected: null,
              source: "api",
              source_id: null,
              created_at: 0,
            });
          }
          return { results };
        },
      }),
    }),
  };
  return { db: db as unknown as D1Database, reads };
}

describe("export stream", () => {
  it("reads a page from D1 only when the consumer asks for more (constant memory)", async () => {
    const { db, reads } = fakeDb(10 * EXPORT_PAGE_ROWS);
    const reader = exportStream(db, "ds", "all", "chat").getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).split("\n")).toHaveLength(EXPORT_PAGE_ROWS + 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(reads.pages).toBe(1);
    let lines = EXPORT_PAGE_ROWS;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      lines += new TextDecoder().decode(value).split("\n").length - 1;
      expect(reads.pages).toBeLessThanOrEqual(Math.ceil(lines / EXPORT_PAGE_ROWS) + 1);
    }
    expect(lines).toBe(10 * EXPORT_PAGE_ROWS);
    expect(reads.pages).toBe(11);
  });
});
