/**
 * How much of the traffic series and the cache events log is kept, apart from their D1 code so that
 * the admin schemas (which the console's types import) load without the Workers runtime.
 */
export const TRAFFIC_RETENTION_DAYS = 31;
export const TRAFFIC_MAX_BUCKETS = 1_500;
export const CACHE_EVENTS_KEPT = 1_000;
