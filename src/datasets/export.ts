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

/** A stream of JSONL lines for one split (or all), in insertion order. */
export function exportStream(
  env: ExampleStorage,
  dataset: DatasetScope,
  split: Split | "all",
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterSeq = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const rows = await examplePage(env, dataset, split, afterSeq, EXPORT_PAGE_ROWS);
          if (rows.length === 0) {
            controller.close();
            return;
          }
          afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
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
