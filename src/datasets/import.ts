/**
 * Import of captured chat completions into a dataset: request messages plus the captured answer,
 * or the app's correction in its place (the captured answer is then kept as the rejected one, for DPO).
 */

import { previewOf } from "../cache/events";
import type { JsonObject } from "../platform/json";
import { sessionToChatExample } from "../realtime/records/chat-example";
import { getSessionDetail } from "../realtime/records/sessions-repository";
import type { CompletionFilter, CompletionRow } from "./completions-repository";
import { scanCompletions } from "./completions-repository";
import type { ExampleStorage } from "./example-bodies";
import type { ExampleError } from "./examples";
import { type Candidate, checkCandidates, type IngestResult, ingest, toRows } from "./ingest";
import { type DatasetRow, existingHashes } from "./repository";

const PAGE = 100;
const SAMPLE_SIZE = 20;

/** One source a dry run would import, for a preview. */
export interface ImportSample {
  completion_id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  preview: string;
}

export interface ImportReport {
  object: "dataset.import";
  dry_run: boolean;
  scanned: number;
  /** Examples added; in a dry run, how many would be added. */
  imported: number;
  duplicates: number;
  skipped: number;
  /** The first few captured completions that were not valid training lines. */
  errors: (ExampleError & { source_id: string })[];
  /** Dry runs: the first sources that would be added. */
  sample?: ImportSample[];
}

export interface ImportOptions {
  redactPii: boolean;
  /** Count and sample what would be added, and add nothing. */
  dryRun: boolean;
}

/** A dry run's memory across pages: content already counted, and the sample so far. */
interface DryRun {
  seen: Set<string>;
  sample: ImportSample[];
}

/**
 * Adds valid candidates to the dataset, or in a dry run counts those whose content is neither in the
 * dataset nor counted already, sampling them with `describe`.
 */
async function addOrCount(
  env: ExampleStorage,
  dataset: DatasetRow,
  valid: readonly Candidate[],
  options: ImportOptions,
  dry: DryRun,
  describe: (candidate: Candidate) => ImportSample | null,
): Promise<IngestResult> {
  if (!options.dryRun) return ingest(env, dataset, valid, options);
  const rows = await toRows(dataset, valid, options);
  const existing = await existingHashes(
    env.DB,
    dataset.id,
    rows.map((r) => r.content_hash),
  );
  let added = 0;
  rows.forEach((row, i) => {
    if (existing.has(row.content_hash) || dry.seen.has(row.content_hash)) return;
    dry.seen.add(row.content_hash);
    added++;
    const candidate = valid[i];
    const sample = candidate && dry.sample.length < SAMPLE_SIZE ? describe(candidate) : null;
    if (sample) dry.sample.push(sample);
  });
  return { added, duplicates: rows.length - added };
}

function finish(report: ImportReport, options: ImportOptions, dry: DryRun): ImportReport {
  return options.dryRun ? { ...report, dry_run: true, sample: dry.sample } : report;
}

/** The assistant message of an answer, reduced to what a training line holds. */
function assistantOf(message: JsonObject): JsonObject {
  const out: JsonObject = { role: "assistant", content: message.content ?? null };
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) out.tool_calls = message.tool_calls;
  return out;
}

/** A training candidate from one captured completion, or null when it has no usable answer. */
export function candidateOf(row: CompletionRow, line: number): Candidate | null {
  const request = JSON.parse(row.request) as JsonObject;
  const answer = JSON.parse(row.answer) as { choices?: { message?: JsonObject }[] };
  const message = answer.choices?.[0]?.message;
  if (!message || !Array.isArray(request.messages)) return null;
  const captured = assistantOf(message);
  const correction = row.feedback_correction ? (JSON.parse(row.feedback_correction) as JsonObject) : null;
  const example: JsonObject = {
    messages: [...request.messages, correction ? assistantOf(correction) : captured],
  };
  if (Array.isArray(request.tools)) example.tools = request.tools;
  if (typeof request.parallel_tool_calls === "boolean")
    example.parallel_tool_calls = request.parallel_tool_calls;
  return { line, value: example, rejected: correction ? captured : null, source: "import", sourceId: row.id };
}

const emptyReport = (): ImportReport => ({
  object: "dataset.import",
  dry_run: false,
  scanned: 0,
  imported: 0,
  duplicates: 0,
  skipped: 0,
  errors: [],
});

/** Pages through the tenant's captured chat completions matching `filter` and adds them to the dataset. */
export async function importCompletions(
  env: ExampleStorage,
  dataset: DatasetRow,
  filter: CompletionFilter,
  options: ImportOptions & { limit: number },
): Promise<ImportReport> {
  const report = emptyReport();
  const dry: DryRun = { seen: new Set(), sample: [] };
  let afterSeq = 0;
  while (report.scanned < options.limit) {
    const take = Math.min(PAGE, options.limit - report.scanned);
    const rows = await scanCompletions(env, dataset.tenant_id, { ...filter, kind: "chat" }, afterSeq, take);
    if (rows.length === 0) break;
    afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
    const valid: Candidate[] = [];
    for (const row of rows) {
      report.scanned++;
      const candidate = candidateOf(row, report.scanned);
      const error = candidate
        ? checkCandidates(dataset, [candidate])[0]
        : { line: report.scanned, field: "choices", message: "has no answer" };
      if (candidate && !error) valid.push(candidate);
      else {
        report.skipped++;
        if (error && report.errors.length < 10) report.errors.push({ ...error, source_id: row.id });
      }
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    const result = await addOrCount(env, dataset, valid, options, dry, (candidate) => {
      const row = byId.get(candidate.sourceId ?? "");
      if (!row) return null;
      const request = JSON.parse(row.request) as JsonObject;
      return {
        completion_id: row.id,
        model: row.model,
        created: Math.floor(row.created_ms / 1000),
        preview: previewOf(request),
      };
    });
    report.imported += result.added;
    report.duplicates += result.duplicates;
  }
  return finish(report, options, dry);
}

/** Imports finished Realtime sessions of the dataset's tenant as chat examples (typed text and transcripts). */
export async function importRealtimeSessions(
  env: ExampleStorage,
  dataset: DatasetRow,
  sessionIds: readonly string[],
  options: ImportOptions,
): Promise<ImportReport> {
  const report = emptyReport();
  const dry: DryRun = { seen: new Set(), sample: [] };
  const samples = new Map<string, ImportSample>();
  const valid: Candidate[] = [];
  for (const id of sessionIds) {
    const line = ++report.scanned;
    const detail = await getSessionDetail(env, dataset.tenant_id, id);
    const problem = !detail
      ? "no such realtime session"
      : detail.session.status === "active"
        ? "the session has not ended yet"
        : null;
    const candidate: Candidate | null =
      detail && !problem
        ? { line, value: sessionToChatExample(detail), source: "import", sourceId: id }
        : null;
    if (detail && candidate) {
      samples.set(id, {
        completion_id: id,
        model: detail.session.model,
        created: detail.session.started_at,
        preview: previewOf(candidate.value as JsonObject),
      });
    }
    const error = candidate
      ? checkCandidates(dataset, [candidate])[0]
      : { line, field: "", message: problem ?? "invalid" };
    if (candidate && !error) valid.push(candidate);
    else {
      report.skipped++;
      if (error && report.errors.length < 10) report.errors.push({ ...error, source_id: id });
    }
  }
  const result = await addOrCount(
    env,
    dataset,
    valid,
    options,
    dry,
    (c) => samples.get(c.sourceId ?? "") ?? null,
  );
  report.imported = result.added;
  report.duplicates = result.duplicates;
  return finish(report, options, dry);
}
