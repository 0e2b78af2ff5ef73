/** Shared pieces of the dataset routes: lookup, JSON shape and reading examples from a request body. */
import type { Context } from "hono";
import type { AppEnv } from "../platform/env";
import { foundOr, GatewayError } from "../platform/errors";
import { validationError } from "../platform/openapi";
import type { OwnedResource } from "../platform/route-kit";
import type { ExampleError } from "./examples";
import { parseJsonl } from "./examples";
import type { Candidate } from "./ingest";
import { countExamples, type DatasetCounts, type DatasetRow, getOwnedDataset } from "./repository";
import { AddExamplesJsonSchema, DatasetIdParams } from "./schemas";

/** A dataset of the caller's tenant, or 404. */
export async function mustGetDataset(c: Context<AppEnv>, id: string): Promise<DatasetRow> {
  const row = await getOwnedDataset(c.env.DB, id, c.get("principal").tenant.id);
  return foundOr(row, "dataset", id, { param: "dataset_id" });
}

/** `/{dataset_id}`: a dataset of the caller's tenant, for the routes on one dataset. */
export const ownedDataset: OwnedResource<typeof DatasetIdParams, DatasetRow> = {
  params: DatasetIdParams,
  load: (c, params) => mustGetDataset(c, params.dataset_id),
};

export function datasetJson(row: DatasetRow, counts: DatasetCounts) {
  return {
    id: row.id,
    object: "dataset" as const,
    name: row.name,
    kind: row.kind,
    validation_ratio: row.validation_ratio,
    vision_profile: row.vision_profile,
    created_at: row.created_at,
    example_counts: { ...counts, total: counts.train + counts.validation },
  };
}

export async function datasetWithCounts(db: D1Database, row: DatasetRow) {
  return datasetJson(row, await countExamples(db, row.id));
}

/** A 400 naming the line and field of the first invalid example. */
export function exampleError(error: ExampleError, lineWord: string): GatewayError {
  const where = error.field ? `'${error.field}' ` : "";
  return new GatewayError(400, `Invalid example at ${lineWord} ${error.line}: ${where}${error.message}.`, {
    param: error.field || null,
    code: "invalid_example",
  });
}

const JSONL_TYPES = ["application/jsonl", "application/x-ndjson", "application/x-jsonlines"];

/** Examples from `{examples:[…]}` JSON or a JSONL body, with the redaction choice and how lines are named. */
export async function readCandidates(
  c: Context<AppEnv>,
  source: Candidate["source"],
): Promise<{ candidates: Candidate[]; redactPii: boolean; lineWord: string }> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (JSONL_TYPES.includes(type)) {
    const parsed = parseJsonl(new TextDecoder().decode(await c.req.arrayBuffer()));
    if ("error" in parsed) throw exampleError(parsed.error, "line");
    const candidates = parsed.values.map(({ line, value }) => ({ line, value, source }));
    if (candidates.length === 0)
      throw new GatewayError(400, "The JSONL body has no examples.", { code: "invalid_example" });
    return { candidates, redactPii: c.req.query("redact_pii") === "true", lineWord: "line" };
  }
  if (type !== "application/json") {
    throw new GatewayError(415, "Send examples as application/json ({examples:[…]}) or application/jsonl.", {
      code: "unsupported_media_type",
    });
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new GatewayError(400, "We could not parse the JSON body of your request.", {
      code: "invalid_json",
    });
  }
  const parsed = AddExamplesJsonSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const candidates = parsed.data.examples.map((value, i) => ({ line: i + 1, value, source }));
  return { candidates, redactPii: parsed.data.redact_pii === true, lineWord: "examples position" };
}
