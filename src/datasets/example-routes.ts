/** `/v1/datasets/:id/…`: adding, validating, importing, listing and exporting examples. */
import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { type JsonObject, parseColumn } from "../platform/json";
import { errorResponses, ok } from "../platform/openapi";
import { jsonBody, pageOf } from "../platform/route-kit";
import {
  invalidVisionDatasetResponse,
  ValidationRunSchema,
  visionExportStream,
  visionLimits,
  visionValidation,
} from "../vision";
import { exampleError, ownedDataset, readCandidates } from "./access";
import type { CompletionFilter } from "./completions-repository";
import { examplePage } from "./example-bodies";
import { exportStream } from "./export";
import { importCompletions, importRealtimeSessions } from "./import";
import { checkCandidates, ingest } from "./ingest";
import * as repo from "./repository";
import { datasets, resourceRoute } from "./router";
import {
  AddExamplesJsonSchema,
  AddedExamplesSchema,
  ExampleListSchema,
  ExportQuery,
  ImportReportSchema,
  ImportRequestSchema,
  ListExamplesQuery,
  RedactQuery,
  ValidateQuery,
  ValidationReportSchema,
} from "./schemas";

datasets.openAPIRegistry.register("AddExamplesRequest", AddExamplesJsonSchema);

/** Read by hand (JSON or JSONL), so no validator consumes the body. */
const examplesBody = {
  required: true,
  content: {
    "application/json": { schema: { $ref: "#/components/schemas/AddExamplesRequest" } },
    "application/jsonl": { schema: { type: "string" as const, description: "One training line per line." } },
  },
};

async function addExamples(c: Context<AppEnv>, dataset: repo.DatasetRow) {
  const { candidates, redactPii, lineWord } = await readCandidates(c, "api");
  const settings = c.get("principal").tenant.settings.vision;
  const maxImages = visionLimits(settings, {}, dataset.vision_profile).maxImagesPerExample;
  const first = checkCandidates(dataset, candidates, maxImages)[0];
  if (first) throw exampleError(first, lineWord);
  const result = await ingest(c.env, dataset, candidates, { redactPii });
  const counts = await repo.countExamples(c.env.DB, dataset.id);
  return {
    object: "dataset.examples.added" as const,
    ...result,
    example_counts: { ...counts, total: counts.train + counts.validation },
  };
}

resourceRoute(
  ownedDataset,
  {
    method: "post",
    path: "/{dataset_id}/examples",
    summary: "Add examples (JSON {examples:[…]} or JSONL); all are validated first, duplicates are skipped",
    request: { query: RedactQuery, body: examplesBody },
    responses: ok(AddedExamplesSchema, "How many were added"),
  },
  async (c, dataset) => c.json(await addExamples(c, dataset), 200),
);

resourceRoute(
  ownedDataset,
  {
    method: "post",
    path: "/{dataset_id}/validate",
    summary:
      "Validate examples against the fine-tuning line format without storing them (vision datasets: also the stored examples, with stored=true)",
    request: {
      query: RedactQuery.extend(ValidateQuery.shape),
      body: { ...examplesBody, required: false },
    },
    responses: {
      ...ok(ValidationReportSchema, "A per-example report"),
      202: {
        description:
          "Vision datasets whose images need more operations than one request may spend: a background validation; poll `GET /v1/datasets/{dataset_id}/validations/{id}`",
        content: { "application/json": { schema: ValidationRunSchema } },
      },
    },
  },
  async (c, dataset, { query: { stored, split, profile } }) => {
    if (dataset.kind === "vision") {
      const options = { stored: stored === "true", split, profile: profile ?? dataset.vision_profile };
      const outcome = await visionValidation(c, dataset, options);
      if (outcome.status === 200) return c.json(outcome.report, 200);
      c.header("location", `/v1/datasets/${dataset.id}/validations/${outcome.run.id}`);
      return c.json(outcome.run, 202);
    }
    if (stored === "true") {
      throw new GatewayError(
        400,
        "stored=true validates the stored examples of vision datasets; for a chat dataset, send the examples to validate in the body.",
        { param: "stored", code: "invalid_value" },
      );
    }
    const { candidates } = await readCandidates(c, "api");
    const errors = checkCandidates(dataset, candidates);
    const report = {
      object: "dataset.validation" as const,
      valid: errors.length === 0,
      total: candidates.length,
      errors,
    };
    return c.json(report, 200);
  },
);

resourceRoute(
  ownedDataset,
  {
    method: "post",
    path: "/{dataset_id}/import",
    summary:
      "Import captured chat completions by filter (a feedback correction replaces the captured answer), or finished Realtime sessions",
    request: {
      body: jsonBody(ImportRequestSchema),
    },
    responses: ok(ImportReportSchema, "What was imported"),
  },
  async (c, dataset, { json: { filter, limit, redact_pii, realtime_session_ids, dry_run } }) => {
    const options = { redactPii: redact_pii, dryRun: dry_run };
    if (realtime_session_ids) {
      return c.json(await importRealtimeSessions(c.env, dataset, realtime_session_ids, options), 200);
    }
    const f: CompletionFilter = {};
    if (filter.model) f.model = filter.model;
    if (filter.metadata) f.metadata = filter.metadata;
    if (filter.created_after !== undefined) f.createdAfterMs = filter.created_after * 1000;
    if (filter.created_before !== undefined) f.createdBeforeMs = filter.created_before * 1000;
    if (filter.min_score !== undefined) f.minScore = filter.min_score;
    return c.json(await importCompletions(c.env, dataset, f, { ...options, limit }), 200);
  },
);

resourceRoute(
  ownedDataset,
  {
    method: "get",
    path: "/{dataset_id}/examples",
    summary: "List a dataset's examples in insertion order",
    request: { query: ListExamplesQuery },
    responses: ok(ExampleListSchema, "A page"),
  },
  async (c, dataset, { query: { after, limit, split } }) => {
    const afterSeq = after
      ? ((await repo.seqOfExample(c.env.DB, dataset.id, after)) ?? Number.MAX_SAFE_INTEGER)
      : 0;
    const rows = await examplePage(c.env, dataset, split, afterSeq, limit + 1);
    const data = rows.slice(0, limit).map((r) => ({
      id: r.id,
      object: "dataset.example" as const,
      split: r.split,
      source: r.source,
      source_id: r.source_id,
      created_at: r.created_at,
      example: parseColumn<JsonObject>(r.example),
    }));
    return c.json(pageOf(data, rows.length > limit), 200);
  },
);

resourceRoute(
  ownedDataset,
  {
    method: "get",
    path: "/{dataset_id}/export",
    summary: "Stream the dataset as fine-tuning JSONL (chat, or DPO pairs from corrections)",
    request: { query: ExportQuery },
    responses: {
      200: { description: "`application/jsonl`: one training line per line" },
      ...errorResponses,
      422: invalidVisionDatasetResponse,
    },
  },
  async (c, dataset, { query: { split, format, images, skip_invalid, profile } }) => {
    const body =
      dataset.kind === "vision" && format === "chat"
        ? await visionExportStream(
            c.env,
            dataset,
            split,
            visionLimits(c.get("principal").tenant.settings.vision, c.env, profile ?? dataset.vision_profile),
            {
              images,
              skipInvalid: skip_invalid === "true",
              origin: new URL(c.req.url).origin,
            },
          )
        : exportStream(c.env, dataset, split, format);
    const filename = `${dataset.id}-${split}-${format}.jsonl`;
    return c.body(body, 200, {
      "content-type": "application/jsonl",
      "content-disposition": `attachment; filename="${filename}"`,
    });
  },
);
