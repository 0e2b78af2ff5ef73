/**
 * `POST /admin/storage/migrate`: the operator's resumable move of an install's older data to R2
 * (src/storage/migrate.ts, docs/storage.md); `/admin/operations`: the Worker's operation counts, for
 * the capacity benchmark (src/platform/operation-counts.ts).
 */
import { z } from "@hono/zod-openapi";
import { ok } from "../platform/openapi";
import { countingOn, operationCounts, resetOperationCounts } from "../platform/operation-counts";
import { jsonBody, routeKit } from "../platform/route-kit";
import { migrateStorage, STEP_NAMES } from "./migrate";

const MigrateRequestSchema = z
  .strictObject({
    steps: z
      .array(z.enum(STEP_NAMES))
      .min(1)
      .optional()
      .openapi({ description: "The steps to run, in this order; all of them by default." }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(2000)
      .default(500)
      .openapi({ description: "At most this many rows or objects moved per step in this call." }),
  })
  .openapi("StorageMigrateRequest");

const MigrationSchema = z
  .object({
    object: z.literal("storage.migration"),
    done: z.boolean().openapi({ description: "Nothing is left to move: stop calling." }),
    steps: z.array(
      z.object({
        name: z.enum(STEP_NAMES),
        moved: z.number().int(),
        remaining: z.number().int().openapi({ description: "Still to move after this call." }),
      }),
    ),
  })
  .openapi("StorageMigration");

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
  async (c, { json: { steps, limit } }) => {
    const results = await migrateStorage(c.env, steps ?? STEP_NAMES, limit);
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

const OperationCountsSchema = z
  .object({
    object: z.literal("operation_counts"),
    counting: z.boolean().openapi({
      description: "Whether counting is on (`EDGEGATE_COUNT_OPERATIONS=1`); off, every count is empty.",
    }),
    since: z
      .number()
      .int()
      .openapi({ description: "Unix milliseconds the counts start at (the last reset)." }),
    counts: z.record(z.string(), z.record(z.string(), z.number().int())).openapi({
      description:
        "Per phase (`request`: before the response was handed back; `background`; `queue`; `scheduled`), per `BINDING.operation` (`DB.queries`, `DB.rows_read`, `DB.rows_written`, `CACHE.reads`, `CACHE.writes`, `BLOBS.class_a`, `BLOBS.class_b`, `<DO binding>.calls`, `<queue>.messages`).",
    }),
    sizes: z.record(z.string(), z.number().int()).openapi({
      description: "Bytes of each D1 database, as D1 last reported it after a query (`meta.size_after`).",
    }),
  })
  .openapi("OperationCounts");

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
