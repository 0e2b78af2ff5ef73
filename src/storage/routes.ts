/**
 * `POST /admin/storage/migrate`: the operator's resumable move of an install's older data to R2
 * (src/storage/migrate.ts, docs/storage.md); `/admin/operations`: the Worker's operation counts, for
 * the capacity benchmark (src/platform/operation-counts.ts).
 */
import { ok } from "../platform/openapi";
import { countingOn, operationCounts, resetOperationCounts } from "../platform/operation-counts";
import { jsonBody, routeKit } from "../platform/route-kit";
import { migrateStorage, STEP_NAMES } from "./migrate";
import { MigrateRequestSchema, MigrationSchema, OperationCountsSchema } from "./schemas";

const { router: storageAdmin, add } = routeKit({ tags: ["Admin"] });

export { storageAdmin };

add(
  {
    method: "post",
    path: "/storage/migrate",
    summary: "Move older data to R2, a bounded amount per call",
    description:
      "Moves bodies D1 rows hold inline, images KV holds and transcripts of sessions ended before archiving into R2. Each call moves at most `limit` per step and says what remains; call again until `done` is true. Safe to repeat or interrupt.",
    request: { body: jsonBody(MigrateRequestSchema) },
    responses: ok(MigrationSchema, "What this call moved and what remains"),
  },
  async (c, { json }) => {
    const results = await migrateStorage(c.env, json.steps ?? STEP_NAMES, json.limit);
    return c.json(
      {
        object: "storage.migration" as const,
        done: results.every((r) => r.remaining === 0),
        steps: results,
      },
      200,
    );
  },
);

const operationsResponse = (c: { env: { EDGEGATE_COUNT_OPERATIONS?: string } }) => ({
  object: "operation_counts" as const,
  counting: countingOn(c.env),
  ...operationCounts(),
});

add(
  {
    method: "get",
    path: "/operations",
    summary: "The operations this isolate made, by binding (capacity benchmark)",
    description:
      "What the Worker's isolate that answers has done since the last reset, for the capacity benchmark (docs/capacity.md). Counting is on only with `EDGEGATE_COUNT_OPERATIONS=1`.",
    responses: ok(OperationCountsSchema, "The counts"),
  },
  (c) => c.json(operationsResponse(c), 200),
);

add(
  {
    method: "delete",
    path: "/operations",
    summary: "Start the operation counts again from zero",
    responses: ok(OperationCountsSchema, "The counts, just reset"),
  },
  (c) => {
    resetOperationCounts();
    return c.json(operationsResponse(c), 200);
  },
);
