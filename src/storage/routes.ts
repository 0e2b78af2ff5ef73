/**
 * `POST /admin/storage/migrate`: the operator's resumable move of an install's older data to R2
 * (src/storage/migrate.ts, docs/storage.md).
 */
import { z } from "@hono/zod-openapi";
import { ok } from "../platform/openapi";
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
      .max(5000)
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

const { router: storageAdmin, route } = routeKit({ tags: ["Admin"] });

export { storageAdmin };

storageAdmin.openapi(
  route({
    method: "post",
    path: "/storage/migrate",
    summary: "Move older data to R2, a bounded amount per call",
    description:
      "Moves bodies D1 rows hold inline, images KV holds and transcripts of sessions ended before archiving into R2. Each call moves at most `limit` per step and says what remains; call again until `done` is true. Safe to repeat or interrupt.",
    request: { body: jsonBody(MigrateRequestSchema) },
    responses: ok(MigrationSchema, "What this call moved and what remains"),
  }),
  async (c) => {
    const { steps, limit } = c.req.valid("json");
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
