/**
 * Dataset examples' bodies in R2: each insert batch writes its examples (the training line and the
 * rejected answer, as one sealed record `{"example":…,"rejected":…}`) as one append-only segment
 * (src/storage/segments.ts), then the D1 rows, which keep only `body_ref`. De-duplication by
 * `content_hash`, splits, counts and paging stay in SQL.
 *
 * An insert D1 ignores as a duplicate leaves its record in the segment with no row pointing at it:
 * unreachable bytes, unreadable without the key that only a row would hold. Deleting a row (an
 * example, a dataset) shreds its body the same way.
 */
import type { Bindings } from "../platform/env";
import { readRecords, writeSegment } from "../storage/segments";
import {
  countUnmovedExamples,
  type ExampleRow,
  insertExamples,
  type NewExample,
  pageExamples,
  setExampleBodyRefs,
  unmovedExamples,
} from "./repository";
import type { Split } from "./split";

/** What storing and reading examples needs: the index in D1, the bodies in R2. */
export type ExampleStorage = Pick<Bindings, "DB" | "BLOBS">;

/** The dataset examples belong to: its id, and its tenant (whose segments hold the bodies). */
export interface DatasetScope {
  id: string;
  tenant_id: string;
}

/** Statements per D1 batch. */
const INSERT_CHUNK = 100;

const RECORD_HEAD = '{"example":';
const NO_REJECTED_TAIL = ',"rejected":null}';

/** The sealed record of one example (two JSON texts, joined without re-encoding them). */
function recordOf(row: Pick<ExampleRow, "example" | "rejected">): string {
  return `${RECORD_HEAD}${row.example},"rejected":${row.rejected ?? "null"}}`;
}

/**
 * The example and rejected JSON of a record. Most examples have no rejected answer: their record
 * ends in `,"rejected":null}` (only the literal null ends in `l`), so the example is the text
 * between head and tail, cut out without parsing it (the export's hot path).
 */
function bodiesOf(record: string): { example: string; rejected: string | null } {
  if (record.startsWith(RECORD_HEAD) && record.endsWith(NO_REJECTED_TAIL)) {
    return { example: record.slice(RECORD_HEAD.length, -NO_REJECTED_TAIL.length), rejected: null };
  }
  const parsed = JSON.parse(record) as { example: unknown; rejected: unknown };
  return {
    example: JSON.stringify(parsed.example),
    rejected: parsed.rejected === null ? null : JSON.stringify(parsed.rejected),
  };
}

/**
 * Stores rows built inline (`example`, `rejected` set): one segment for all their bodies, then the
 * D1 rows in batches. Returns how many rows were new (the rest were duplicates).
 */
export async function storeExamples(
  env: ExampleStorage,
  tenantId: string,
  rows: readonly NewExample[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const refs = await writeSegment(env.BLOBS, tenantId, rows.map(recordOf));
  const indexed = rows.map((row, i) => ({ ...row, example: "", rejected: null, body_ref: refs[i] ?? null }));
  let added = 0;
  for (let i = 0; i < indexed.length; i += INSERT_CHUNK) {
    added += await insertExamples(env.DB, indexed.slice(i, i + INSERT_CHUNK));
  }
  return added;
}

/** The rows with their bodies in `example` and `rejected`, read in one batch; inline rows as they are. */
export async function withBodies(
  blobs: R2Bucket,
  tenantId: string,
  rows: ExampleRow[],
): Promise<ExampleRow[]> {
  const stored = rows.filter((r) => r.body_ref);
  if (stored.length === 0) return rows;
  const bodies = await readRecords(
    blobs,
    tenantId,
    stored.map((r) => r.body_ref ?? ""),
  );
  stored.forEach((row, i) => {
    const record = bodies[i];
    if (record == null) throw new Error(`example ${row.id} has an unreadable body reference`);
    Object.assign(row, bodiesOf(record));
  });
  return rows;
}

/** One page of a dataset's examples (SQL paging), with their bodies. */
export async function examplePage(
  env: ExampleStorage,
  dataset: DatasetScope,
  split: Split | "all",
  afterSeq: number,
  limit: number,
): Promise<ExampleRow[]> {
  const rows = await pageExamples(env.DB, dataset.id, split, afterSeq, limit);
  return withBodies(env.BLOBS, dataset.tenant_id, rows);
}

/**
 * Moves up to `limit` examples whose bodies are still inline in D1 into segments (one per tenant
 * per call), oldest first. Resumable and idempotent: a row is only switched to its reference after
 * the segment is written, and only while it is still inline; a crash in between leaves it inline
 * (its bytes in R2 unreachable), and the next call moves it again.
 */
export async function migrateExampleBodies(
  env: ExampleStorage,
  limit: number,
): Promise<{ moved: number; remaining: number }> {
  const rows = await unmovedExamples(env.DB, limit);
  const byTenant = new Map<string, typeof rows>();
  for (const row of rows) {
    const group = byTenant.get(row.tenant_id);
    if (group) group.push(row);
    else byTenant.set(row.tenant_id, [row]);
  }
  let moved = 0;
  for (const [tenantId, group] of byTenant) {
    const refs = await writeSegment(env.BLOBS, tenantId, group.map(recordOf));
    moved += await setExampleBodyRefs(
      env.DB,
      group.map((row, i) => ({ seq: row.seq, body_ref: refs[i] ?? "" })),
    );
  }
  return { moved, remaining: await countUnmovedExamples(env.DB) };
}
