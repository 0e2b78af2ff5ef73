/** Request and answer schemas of the operator's storage routes (./routes.ts). */
import { z } from "@hono/zod-openapi";
import { STEP_NAMES } from "./migrate";

export const MigrateRequestSchema = z
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

export const MigrationSchema = z
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

export const OperationCountsSchema = z
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
