/**
 * Export of a dataset as fine-tuning JSONL, streamed page by page (a page of rows from D1, their
 * bodies from R2 in one batched read, then the chunk) and only when the client reads on, so memory
 * stays constant whatever the dataset's size. `chat` lines are the supervised format; `dpo` lines pair a correction
 * (preferred) with the captured answer (non-preferred).
 * @see docs/openai-reference.md D.4
 */

import type { JsonObject } from "../platform/json";
import { type DatasetScope, type ExampleStorage, withBodies } from "./example-bodies";
import { type ExampleRow, pageExamples } from "./repository";
import type { Split } from "./split";

/**
 * Rows read from D1 per page, and pages read ahead of the client. An export is bound by round trips
 * (a D1 query, an R2 read per page). `npm run bench -- export`, 1,000,000 examples: 36,400 examples/s
 * with pages of 2,000 and two ahead, 66,300 with pages of 5,000 and three ahead (about 4 MB of
 * bodies in memory at most); pages of 500, one ahead, had made 12,400 of 100,000 under load.
 * Rows written before bodies moved to R2 hold theirs inline (up to a D1 row's 2 MB), so the first
 * page, and any page after one that held such a row, is `EXPORT_SMALL_PAGE_ROWS` long.
 */
export const EXPORT_PAGE_ROWS = 5000;
export const EXPORT_SMALL_PAGE_ROWS = 500;
export const EXPORT_PAGES_AHEAD = 3;

export type ExportFormat = "chat" | "dpo";

/** The DPO line for an example with a rejected answer, else null. */
export function dpoLine(row: ExampleRow): string | null {
  if (!row.rejected) return null;
  const example = JSON.parse(row.example) as JsonObject & { messages: JsonObject[] };
  const preferred = example.messages[example.messages.length - 1];
  const input: JsonObject = { messages: example.messages.slice(0, -1) };
  if (example.tools !== undefined) input.tools = example.tools;
  if (example.parallel_tool_calls !== undefined) input.parallel_tool_calls = example.parallel_tool_calls;
  const line = { input, preferred_output: [preferred], non_preferred_output: [JSON.parse(row.rejected)] };
  return JSON.stringify(line);
}

function lineOf(row: ExampleRow, format: ExportFormat): string | null {
  return format === "chat" ? row.example : dpoLine(row);
}

/**
 * A stream of JSONL lines for one split (or all), in insertion order. Pulled (`highWaterMark: 0`):
 * a page is turned into a chunk only when the client asks for one. Up to `EXPORT_PAGES_AHEAD` pages
 * are read ahead of the client: their D1 queries one after the other (each starts after the last
 * row of the one before), their R2 reads side by side, so the round trips overlap each other and the
 * client's reading while memory stays bounded by those pages.
 */
export function exportStream(
  env: ExampleStorage,
  dataset: DatasetScope,
  split: Split | "all",
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  /** Where the next page starts and how long it is; null once a page came back short (the end). */
  type Next = { seq: number; rows: number } | null;
  let next: Promise<Next> = Promise.resolve({ seq: 0, rows: EXPORT_SMALL_PAGE_ROWS });
  const startPage = (): Promise<ExampleRow[]> => {
    const rows = next.then((at) =>
      at === null ? [] : pageExamples(env.DB, dataset.id, split, at.seq, at.rows),
    );
    next = Promise.all([next, rows]).then(
      ([at, r]): Next => {
        const last = r[r.length - 1];
        if (at === null || !last || r.length < at.rows) return null;
        const inline = r.some((row) => !row.body_ref);
        return { seq: last.seq, rows: inline ? EXPORT_SMALL_PAGE_ROWS : EXPORT_PAGE_ROWS };
      },
      () => null,
    );
    const page = rows.then((r) => withBodies(env.BLOBS, dataset.tenant_id, r));
    // Awaited by a later pull; a failure then errors the stream, never an unhandled rejection.
    page.catch(() => undefined);
    return page;
  };
  const ahead: Promise<ExampleRow[]>[] = [];
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          while (ahead.length < EXPORT_PAGES_AHEAD + 1) ahead.push(startPage());
          const rows = await (ahead.shift() as Promise<ExampleRow[]>);
          if (rows.length === 0) {
            controller.close();
            return;
          }
          let text = "";
          for (const row of rows) {
            const line = lineOf(row, format);
            if (line !== null) text += `${line}\n`;
          }
          if (text !== "") {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      },
    },
    { highWaterMark: 0 },
  );
}
