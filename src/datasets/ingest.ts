/**
 * Adding examples to a dataset: optional PII redaction, validation, content hash, split, insert
 * (bodies to an R2 segment, the index to D1: src/datasets/example-bodies.ts).
 */
import { newId } from "../identity/crypto";
import { type ExampleStorage, storeExamples } from "./example-bodies";
import { type ExampleError, validateExample } from "./examples";
import { redactExample } from "./redact";
import type { DatasetRow, NewExample } from "./repository";
import { contentHash, splitOf } from "./split";

export interface Candidate {
  /** 1-based line or position, for error messages. */
  line: number;
  value: unknown;
  /** The non-preferred answer (for DPO export), when known. */
  rejected?: Record<string, unknown> | null;
  source: "api" | "import" | "webhook";
  sourceId?: string | null;
}

export interface IngestResult {
  added: number;
  duplicates: number;
}

/** Every problem in the batch, in line order (nothing is stored when there is one). */
export function checkCandidates(
  dataset: DatasetRow,
  candidates: readonly Candidate[],
  maxImages?: number,
): ExampleError[] {
  const errors: ExampleError[] = [];
  for (const c of candidates) {
    const error = validateExample(c.value, dataset.kind, c.line, maxImages);
    if (error) errors.push(error);
  }
  return errors;
}

/** The rows valid candidates become (redacted, hashed, split), without storing them. */
export async function toRows(
  dataset: DatasetRow,
  candidates: readonly Candidate[],
  options: { redactPii: boolean },
): Promise<NewExample[]> {
  const rows: NewExample[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (const c of candidates) {
    const value = c.value as Record<string, unknown>;
    const example = options.redactPii ? redactExample(value) : value;
    const rejected =
      c.rejected && options.redactPii ? redactExample({ messages: [c.rejected] }).messages : null;
    const hash = await contentHash(example);
    rows.push({
      id: newId("dsex"),
      dataset_id: dataset.id,
      content_hash: hash,
      split: splitOf(hash, dataset.validation_ratio),
      example: JSON.stringify(example),
      rejected: c.rejected ? JSON.stringify(Array.isArray(rejected) ? rejected[0] : c.rejected) : null,
      body_ref: null,
      source: c.source,
      source_id: c.sourceId ?? null,
      created_at: now,
    });
  }
  return rows;
}

/**
 * Stores valid candidates (call `checkCandidates` first), their bodies as one segment; content
 * already present counts as a duplicate.
 */
export async function ingest(
  env: ExampleStorage,
  dataset: DatasetRow,
  candidates: readonly Candidate[],
  options: { redactPii: boolean },
): Promise<IngestResult> {
  const rows = await toRows(dataset, candidates, options);
  const added = await storeExamples(env, dataset.tenant_id, rows);
  return { added, duplicates: rows.length - added };
}
