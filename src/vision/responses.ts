/** OpenAPI responses of vision routes that need the gateway's error schema (kept out of schemas.ts, which the console's types import). */
import { z } from "@hono/zod-openapi";
import { ErrorSchema } from "../platform/openapi";
import { VisionExampleReportSchema, VisionSummarySchema } from "./schemas";

/** The 422 of an export (or job) refused because examples are invalid: OpenAI's error plus the report. */
export const invalidVisionDatasetResponse = {
  description: "A vision dataset with invalid examples (export with skip_invalid=true to leave them out)",
  content: {
    "application/json": {
      schema: ErrorSchema.extend({
        report: z.object({ examples: z.array(VisionExampleReportSchema), summary: VisionSummarySchema }),
      }).openapi("InvalidVisionDatasetError"),
    },
  },
};
