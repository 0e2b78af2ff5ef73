/**
 * Export of a dataset as fine-tuning JSONL, streamed page by page (a page of rows from D1, their
 * bodies from R2 in one batched read, then the chunk) and only when the client reads on, so memory
 * stays constant whatever the dataset's size. `chat` lines are the supervised format; `dpo` lines pair a correction
 * (preferred) with the captured answer (non-preferred).
 * @see docs/openai-reference.md D.4
 */

import type { JsonObject } from "../platform/json";
import { type DatasetScope, type ExampleStorage, examplePage } from "./example-bodies";
import type { ExampleRow } from "./repository";
import type { Split } from "./split";

/** Rows read from D1 per page. */
export const EXPORT_PAGE_ROWS = 500;

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
 * a page is turned into a chunk only when the client asks for one. While the client reads a chunk,
 * the next page (its D1 rows and R2 bodies) is already being read: at most one page ahead, so the
 * memory stays constant and the round trips overlap the client's reading.
 */
export function exportStream(
  env: ExampleStorage,
  dataset: DatasetScope,
  split: Split | "all",
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const page = (afterSeq: number) => {
    const rows = examplePage(env, dataset, split, afterSeq, EXPORT_PAGE_ROWS);
    // Awaited by the next pull; a failure then errors the stream, never an unhandled rejection.
    rows.catch(() => undefined);
    return rows;
  };
  let next: Promise<ExampleRow[]> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const rows = await (next ?? page(0));
          const last = rows[rows.length - 1];
          next = last && rows.length === EXPORT_PAGE_ROWS ? page(last.seq) : Promise.resolve([]);
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
