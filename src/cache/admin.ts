import { z } from "@hono/zod-openapi";
import { TenantIdParams } from "../admin/schemas";
import { adminTenant, tenantOrNotFound } from "../identity/admin-access";
import { forgetCachedIdentity } from "../identity/authenticate";
import { bumpCacheGeneration } from "../identity/repository";
import { GatewayError, notFound } from "../platform/errors";
import { ok } from "../platform/openapi";
import { routeKit } from "../platform/route-kit";
import {
  CacheEventListSchema,
  CacheEventsQuery,
  CacheStatsSchema,
  TrafficQuery,
  TrafficSchema,
} from "./admin-schemas";
import { listCacheEvents, parseEventId } from "./events";
import { readStats } from "./stats";
import { BUCKET_SECONDS, readTraffic, TRAFFIC_MAX_BUCKETS } from "./traffic";

const { router: cacheAdmin, add, resourceRoute } = routeKit({ tags: ["Cache"] });

/** `/admin/tenants/:id/stats`, `…/traffic`, `…/cache` and `…/cache/events`. */
export { cacheAdmin };

add(
  {
    method: "get",
    path: "/tenants/{id}/stats",
    summary: "Cache and provider prefix-cache statistics of a tenant",
    request: {
      params: TenantIdParams,
      query: z.object({
        since: z.iso.date().optional().openapi({ description: "First UTC day (YYYY-MM-DD)." }),
      }),
    },
    responses: ok(CacheStatsSchema, "Totals"),
  },
  async (c, { param: { id }, query: { since } }) => {
    const s = await readStats(c.env.DB, id, since);
    const served = s.hits + s.semantic_hits + s.coalesced;
    const requests = served + s.misses + s.bypasses;
    return c.json(
      {
        object: "cache.stats" as const,
        tenant_id: id,
        since: since ?? null,
        requests,
        errors: s.errors,
        hits: s.hits,
        semantic_hits: s.semantic_hits,
        coalesced: s.coalesced,
        misses: s.misses,
        bypasses: s.bypasses,
        hit_rate: requests ? served / requests : 0,
        tokens_saved: { input: s.input_tokens_saved, output: s.output_tokens_saved },
        cost_saved_usd: Math.round(s.cost_saved_usd * 1e6) / 1e6,
        upstream: {
          input_tokens: s.upstream_input_tokens,
          cached_tokens: s.upstream_cached_tokens,
          cache_write_tokens: s.upstream_cache_write_tokens,
          cache_write_extra_usd: Math.round(s.upstream_cache_write_extra_usd * 1e6) / 1e6,
        },
        shadow: {
          checks: s.shadow_checks,
          false_hits: s.shadow_false_hits,
          false_hit_rate: s.shadow_checks ? s.shadow_false_hits / s.shadow_checks : null,
        },
      },
      200,
    );
  },
);

add(
  {
    method: "delete",
    path: "/tenants/{id}/cache",
    summary: "Purge a tenant's cache (O(1): starts a new cache generation)",
    request: { params: TenantIdParams },
    responses: ok(
      z.object({ object: z.literal("cache.purge"), tenant_id: z.string(), generation: z.number().int() }),
      "Purged",
    ),
  },
  async (c, { param: { id } }) => {
    const generation = await bumpCacheGeneration(c.env.DB, id);
    if (generation === null) throw notFound("tenant", id, { param: "id", code: "tenant_not_found" });
    forgetCachedIdentity({ tenantId: id });
    return c.json({ object: "cache.purge" as const, tenant_id: id, generation }, 200);
  },
);

add(
  {
    method: "get",
    path: "/tenants/{id}/traffic",
    summary: "Requests, errors and cache counters of a tenant over time",
    description: `Minute, hour or day buckets (UTC) between \`since\` and \`until\`; at most ${TRAFFIC_MAX_BUCKETS} buckets per call. Only buckets with data are listed.`,
    request: { params: TenantIdParams, query: TrafficQuery },
    responses: ok(TrafficSchema, "The series"),
  },
  async (c, { param: { id }, query }) => {
    const { bucket } = query;
    const until = query.until ?? Math.floor(Date.now() / 1000);
    const since = query.since ?? until - 86_400;
    if (since >= until) {
      throw new GatewayError(400, "'since' must be before 'until'.", {
        param: "since",
        code: "invalid_value",
      });
    }
    if (Math.ceil((until - since) / BUCKET_SECONDS[bucket]) > TRAFFIC_MAX_BUCKETS) {
      throw new GatewayError(
        400,
        `The range from 'since' to 'until' holds more than ${TRAFFIC_MAX_BUCKETS} ${bucket} buckets: move 'since' closer or use a larger bucket.`,
        { param: "since", code: "too_many_buckets" },
      );
    }
    await tenantOrNotFound(c.env.DB, id);
    const data = await readTraffic(c.env.DB, id, bucket, since, until);
    return c.json({ object: "list" as const, bucket, since, until, data }, 200);
  },
);

resourceRoute(
  adminTenant,
  {
    method: "get",
    path: "/tenants/{id}/cache/events",
    summary: "Recent answers of the prompt cache (hits, misses, …), newest first",
    request: { query: CacheEventsQuery },
    responses: ok(CacheEventListSchema, "A page"),
  },
  async (c, { id }, { query: { limit, before } }) => {
    const page = await listCacheEvents(c.env.DB, id, limit, before ? parseEventId(before) : null);
    return c.json({ object: "list" as const, has_more: page.hasMore, data: page.data }, 200);
  },
);
