import { z } from "@hono/zod-openapi";

export const CACHE_MAX_TTL_SECONDS = 30 * 86_400;

const PriceSchema = z.strictObject({
  input: z.number().nonnegative().openapi({ description: "USD per 1M input tokens" }),
  cached_input: z.number().nonnegative().optional(),
  cache_write_input: z.number().nonnegative().optional().openapi({
    description: "USD per 1M prompt tokens written to the provider's prefix cache; default 1.25x input",
  }),
  output: z.number().nonnegative().openapi({ description: "USD per 1M output tokens" }),
});

/** The `cache` section of tenant settings. */
export const CacheSettingsSchema = z
  .strictObject({
    mode: z.enum(["off", "exact", "semantic"]).optional().openapi({ description: "Default `off`." }),
    ttl_seconds: z
      .number()
      .int()
      .min(1)
      .max(CACHE_MAX_TTL_SECONDS)
      .optional()
      .openapi({ description: "Default 3600." }),
    share_across_users: z.boolean().optional().openapi({
      description: "Let end users of the tenant share entries. Default false: one scope per end user.",
    }),
    coalesce: z
      .boolean()
      .optional()
      .openapi({ description: "Make identical in-flight requests one call. Default true." }),
    semantic: z
      .strictObject({
        threshold: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .openapi({ description: "Cosine similarity for a hit; 0.95." }),
        embedding_model: z
          .string()
          .min(1)
          .optional()
          .openapi({ description: "Default text-embedding-3-small." }),
        shadow: z.boolean().optional().openapi({
          description: "Compute would-be semantic hits but serve fresh answers, recording false hits.",
        }),
      })
      .optional(),
    prompt_cache_key: z
      .boolean()
      .optional()
      .openapi({ description: "Derive `prompt_cache_key` for the provider's prefix cache. Default true." }),
    event_previews: z.boolean().optional().openapi({
      description:
        "Keep up to 120 characters of the last user message with each cache event (the console's cache page). Default true; false keeps no prompt text in the events log (events already logged keep theirs until they rotate out).",
    }),
    prices: z
      .record(z.string(), PriceSchema)
      .optional()
      .openapi({ description: "Per-model price overrides." }),
  })
  .openapi("CacheSettings");

export type CacheSettings = z.infer<typeof CacheSettingsSchema>;
