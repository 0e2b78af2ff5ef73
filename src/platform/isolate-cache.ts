/**
 * A per-isolate copy of what the request path reads from D1 (keys, aliases, providers), trusted for
 * `ttlMs` and refreshed ahead: a read in the second half of the window is answered from the copy
 * while a refresh runs in the background, so under steady traffic no request waits for D1 (whose
 * primary may be on another continent); only a cold isolate, or one idle for a whole window, does.
 * A copy is never older than `ttlMs`, so a change made elsewhere is seen within the same bound as
 * before. Values are kept, never promises: a request never awaits I/O another request started.
 */
export type WaitUntil = (promise: Promise<unknown>) => void;

interface Entry<T> {
  value: T;
  at: number;
  /** When the running refresh started, if one is running. */
  refreshing: number | null;
}

export class IsolateCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  /** `keep` says whether a loaded value is worth keeping (a missing key is not cached). */
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly keep: (value: T) => boolean = () => true,
  ) {}

  /** The copy of `key`, loaded with `load` when missing or expired, refreshed ahead when aging. */
  async get(key: string, load: () => Promise<T>, waitUntil?: WaitUntil): Promise<T> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.at < this.ttlMs) {
      const aging = now - entry.at >= this.ttlMs / 2;
      // A refresh that never finished (its request ended without waitUntil) is tried again.
      const stuck = entry.refreshing !== null && now - entry.refreshing >= this.ttlMs;
      if (aging && (entry.refreshing === null || stuck)) this.refresh(key, entry, load, waitUntil);
      return entry.value;
    }
    const value = await load();
    this.store(key, value, now);
    return value;
  }

  private refresh(key: string, entry: Entry<T>, load: () => Promise<T>, waitUntil?: WaitUntil): void {
    const started = Date.now();
    entry.refreshing = started;
    const done = load().then(
      (value) => {
        // A `forget` while it ran wins: the entry is gone or replaced, and stays so.
        if (this.entries.get(key) === entry) this.store(key, value, started);
      },
      () => {
        entry.refreshing = null;
      },
    );
    waitUntil?.(done);
  }

  private store(key: string, value: T, at: number): void {
    if (!this.keep(value)) {
      this.entries.delete(key);
      return;
    }
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, at, refreshing: null });
  }

  /** Drops `key`'s copy (after a write through this isolate). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every copy whose value matches. */
  forgetWhere(match: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) if (match(entry.value)) this.entries.delete(key);
  }
}
