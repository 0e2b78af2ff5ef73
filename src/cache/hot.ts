import type { CacheEntry } from "./store";

const MAX_ENTRIES = 2_000;
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * Recently used answers held in the isolate, in front of KV: a hit served from here makes no
 * storage round trip. Keys embed the tenant's cache generation, so a purge makes old entries
 * unreachable here too; TTL and `max-age` are checked on every read as for KV.
 */
export class HotEntries {
  private readonly map = new Map<string, { entry: CacheEntry; bytes: number }>();
  private bytes = 0;

  get(key: string): CacheEntry | undefined {
    const found = this.map.get(key);
    if (!found) return undefined;
    this.map.delete(key);
    this.map.set(key, found);
    return found.entry;
  }

  set(key: string, entry: CacheEntry, bytes: number): void {
    if (bytes > MAX_BYTES / 8) return;
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.map.delete(key);
    }
    this.map.set(key, { entry, bytes });
    this.bytes += bytes;
    for (const [k, v] of this.map) {
      if (this.map.size <= MAX_ENTRIES && this.bytes <= MAX_BYTES) break;
      this.map.delete(k);
      this.bytes -= v.bytes;
    }
  }
}

export const hotEntries = new HotEntries();
