import { hotEntries } from "./hot";
import type { CacheKind } from "./key";

/** One stored answer: the provider's final JSON object, with what stats and replays need. */
export interface CacheEntry {
  v: 1;
  kind: CacheKind;
  /** Milliseconds since the epoch when the provider answered. */
  createdAt: number;
  ttlSeconds: number;
  model: string;
  /** The completion, response or embedding list exactly as the provider returned it. */
  body: Record<string, unknown>;
  /** For semantic entries: the last user message the answer was given to. */
  question?: string;
}

/** KV refuses expirations shorter than 60 s; shorter TTLs are enforced on read from `createdAt`. */
const KV_MIN_TTL_SECONDS = 60;
const prefix = "ans:";

export function ageSeconds(entry: CacheEntry, now = Date.now()): number {
  return Math.max(0, Math.floor((now - entry.createdAt) / 1000));
}

function fresh(entry: CacheEntry, maxAgeSeconds: number | null): boolean {
  const age = (Date.now() - entry.createdAt) / 1000;
  return age < entry.ttlSeconds && (maxAgeSeconds === null || age <= maxAgeSeconds);
}

/**
 * A stored answer still within its TTL (and within `maxAge` when the request set one), else null.
 * Recently used entries come from the isolate's memory, the rest from KV.
 */
export async function readEntry(
  kv: KVNamespace,
  key: string,
  maxAgeSeconds: number | null,
): Promise<CacheEntry | null> {
  const hot = hotEntries.get(key);
  if (hot) return fresh(hot, maxAgeSeconds) ? hot : null;
  const text = await kv.get(`${prefix}${key}`, "text");
  if (!text) return null;
  let entry: CacheEntry;
  try {
    entry = JSON.parse(text) as CacheEntry;
  } catch {
    return null; // an unreadable entry is a miss, and the fresh answer overwrites it
  }
  if (entry.v !== 1) return null;
  hotEntries.set(key, entry, text.length);
  return fresh(entry, maxAgeSeconds) ? entry : null;
}

export async function writeEntry(kv: KVNamespace, key: string, entry: CacheEntry): Promise<void> {
  const text = JSON.stringify(entry);
  hotEntries.set(key, entry, text.length);
  await kv.put(`${prefix}${key}`, text, { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, entry.ttlSeconds) });
}
