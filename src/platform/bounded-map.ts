/**
 * A map kept in the isolate, bounded in entries and in total size (measured by the caller: bytes,
 * characters), the least recently used dropped first; an item larger than `maxItem` is not kept.
 * For what an isolate may remember between requests without growing past its 128 MB.
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, { value: V; size: number }>();
  private total = 0;

  constructor(private readonly limits: { maxEntries: number; maxTotal: number; maxItem: number }) {}

  /** The value, now the most recently used. */
  get(key: string): V | undefined {
    const found = this.map.get(key);
    if (!found) return undefined;
    this.map.delete(key);
    this.map.set(key, found);
    return found.value;
  }

  set(key: string, value: V, size: number): void {
    if (size > this.limits.maxItem) return;
    const old = this.map.get(key);
    if (old) {
      this.total -= old.size;
      this.map.delete(key);
    }
    this.map.set(key, { value, size });
    this.total += size;
    for (const [k, v] of this.map) {
      if (this.map.size <= this.limits.maxEntries && this.total <= this.limits.maxTotal) break;
      this.map.delete(k);
      this.total -= v.size;
    }
  }

  /** Entries kept, and their summed size. */
  usage(): { entries: number; total: number } {
    return { entries: this.map.size, total: this.total };
  }
}
