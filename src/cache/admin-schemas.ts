import { z } from "@hono/zod-openapi";
import { CACHE_EVENTS_KEPT, TRAFFIC_MAX_BUCKETS, TRAFFIC_RETENTION_DAYS } from "./limits";

const int = () => z.number().int();

export const TrafficQuery = z.object({
  bucket: z.enum(["minute", "hour", "day"]).default("hour"),
  since: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .openapi({ description: "Unix seconds (inclusive); default 24 hours before `until`." }),
  until: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .openapi({ description: "Unix seconds (exclusive); default now." }),
});

export const TrafficBucketSchema = z
  .object({
    start: int().openapi({ description: "Unix seconds of the bucket's start (UTC)." }),
    requests: int().openapi({ description: "Model calls (chat, responses, embeddings) answered." }),
    errors: int().openapi({ description: "Model calls answered with status >= 400." }),
    hits: int(),
    semantic_hits: int(),
    coalesced: int(),
    misses: int(),
    bypasses: int(),
    input_tokens_saved: int(),
    output_tokens_saved: int(),
    cost_saved_usd: z.number(),
    upstream_input_tokens: int(),
    upstream_cached_tokens: int(),
    upstream_cache_write_tokens: int().openapi({
      description:
        "Prompt tokens the provider wrote to its prefix cache (`cache_write_tokens`, GPT-5.6 and later).",
    }),
    upstream_cache_write_extra_usd: z.number().openapi({
      description: "What those cache writes cost above the plain input price (writes bill 1.25x input).",
    }),
    shadow_checks: int(),
    shadow_false_hits: int(),
  })
  .openapi("TrafficBucket");

export const TrafficSchema = z
  .object({
    object: z.literal("list"),
    bucket: z.enum(["minute", "hour", "day"]),
    since: int(),
    until: int(),
    data: z.array(TrafficBucketSchema).openapi({
      description: `Ascending; only buckets with data. At most ${TRAFFIC_MAX_BUCKETS} buckets per call; kept ${TRAFFIC_RETENTION_DAYS} days.`,
    }),
  })
  .openapi("Traffic");

export const CacheEventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^cev_[1-9][0-9]{0,14}$/, "an event id such as 'cev_42'")
    .optional()
    .openapi({ description: "Only events older than this event id (paging)." }),
});

export const CacheEventSchema = z
  .object({
    object: z.literal("cache.event"),
    id: z.string().openapi({ description: "Monotonic: a later event has a larger id." }),
    at: int().openapi({ description: "Unix milliseconds." }),
    endpoint: z.string(),
    model: z.string().openapi({ description: "The model the request named (after alias routing)." }),
    outcome: z.enum(["hit", "semantic_hit", "coalesced", "miss", "bypass"]),
    stored: z.boolean().openapi({ description: "A miss whose answer was stored." }),
    stream: z.boolean(),
    similarity: z.number().nullable(),
    key: z.string().nullable().openapi({ description: "The first 16 hex digits of the exact cache key." }),
    input_tokens_saved: int(),
    output_tokens_saved: int(),
    latency_ms: z.number(),
    shadow: z.object({ false_hit: z.boolean(), similarity: z.number() }).nullable(),
    preview: z.string().openapi({
      description:
        "At most 120 characters of the last user message; empty for requests that bypassed the cache and when the tenant's `cache.event_previews` is false.",
    }),
  })
  .openapi("CacheEvent");

export const CacheEventListSchema = z
  .object({
    object: z.literal("list"),
    has_more: z.boolean(),
    data: z.array(CacheEventSchema).openapi({
      description: `Newest first; the last ${CACHE_EVENTS_KEPT} events of the tenant are kept.`,
    }),
  })
  .openapi("CacheEventList");

export const CacheStatsSchema = z
  .object({
    object: z.literal("cache.stats"),
    tenant_id: z.string(),
    since: z.string().nullable(),
    requests: z.number().int().openapi({ description: "Requests that went through the prompt cache." }),
    errors: z
      .number()
      .int()
      .openapi({ description: "Model calls (chat, responses, embeddings) answered with status >= 400." }),
    hits: z.number().int(),
    semantic_hits: z.number().int(),
    coalesced: z.number().int(),
    misses: z.number().int(),
    bypasses: z.number().int(),
    hit_rate: z.number().openapi({ description: "(hits + semantic hits + coalesced) / requests" }),
    tokens_saved: z.object({ input: z.number().int(), output: z.number().int() }),
    cost_saved_usd: z.number(),
    upstream: z.object({
      input_tokens: z.number().int(),
      cached_tokens: z
        .number()
        .int()
        .openapi({ description: "Provider prefix-cache hits (`cached_tokens`)." }),
      cache_write_tokens: z.number().int().openapi({
        description:
          "Prompt tokens the provider wrote to its prefix cache (`cache_write_tokens`, reported by GPT-5.6 and later).",
      }),
      cache_write_extra_usd: z.number().openapi({
        description:
          "What those writes cost above the plain input price: writes bill 1.25x input (or the tenant's `cache_write_input` price).",
      }),
    }),
    shadow: z.object({
      checks: z.number().int(),
      false_hits: z.number().int(),
      false_hit_rate: z.number().nullable(),
    }),
  })
  .openapi("CacheStats");
