import { BoundedMap } from "../platform/bounded-map";
import type { CacheEntry } from "./store";

const MAX_BYTES = 32 * 1024 * 1024;

/**
 * Recently used answers held in the isolate, in front of KV: a hit served from here makes no
 * storage round trip. Keys embed the tenant's cache generation, so a purge makes old entries
 * unreachable here too; TTL and `max-age` are checked on every read as for KV. Sized by the entry's
 * JSON length; an answer over 4 MB is read from KV each time.
 */
export const hotEntries = new BoundedMap<CacheEntry>({
  maxEntries: 2_000,
  maxTotal: MAX_BYTES,
  maxItem: MAX_BYTES / 8,
});
