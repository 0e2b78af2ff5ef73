/**
 * The server events a session keeps so a client that dropped can reattach with `last_event_id` and
 * receive what it missed, in order. The most recent `limitBytes` of events are always kept: a phone
 * that changed networks often reconnects before the server notices its old socket is dead, so the
 * events "sent" to that socket must still be here. While detached nothing may be evicted: once the
 * missed events outgrow the bound, the session cannot be resumed faithfully.
 */

interface Entry {
  seq: number;
  eventId: string | null;
  frame: string;
  /** `total` just after this frame: how far into the session's stream of server events it ends. */
  end: number;
}

/** What a reattaching client is sent: the missed frames, and whether older ones were already dropped. */
export interface Replay {
  frames: string[];
  /** False when `last_event_id` was not found and frames after it may have been evicted. */
  complete: boolean;
}

export class ReplayBuffer {
  private entries: Entry[] = [];
  private head = 0;
  private nextSeq = 0;
  private evicted = false;
  /** Sequence number of the first frame produced after the client detached. */
  private detachedFrom: number | null = null;
  /** While detached, the first sequence number never evicted (`detachedFrom` or one before it). */
  private keptFrom = 0;
  bytes = 0;
  /** Characters of every frame ever pushed: the position the stream of server events has reached. */
  total = 0;

  constructor(private readonly limitBytes: number) {}

  /**
   * Keeps one frame. Returns false when a detached session has outgrown its bound (the caller ends
   * the session: the client could no longer be brought up to date).
   */
  push(eventId: string | null, frame: string): boolean {
    this.total += frame.length;
    this.entries.push({ seq: this.nextSeq++, eventId, frame, end: this.total });
    this.bytes += frame.length;
    if (this.detachedFrom === null) {
      this.trim();
      return true;
    }
    // Detached: events from before the drop go first; the ones the client never saw must all stay.
    const from = this.keptFrom;
    while (this.bytes > this.limitBytes && (this.entries[this.head]?.seq ?? from) < from) this.evictOne();
    return this.bytes <= this.limitBytes;
  }

  /**
   * The client is gone. Without `readThrough`, the events produced from now on are never evicted.
   * With it (the stream position up to which the client acknowledged reading), the events after it
   * are never evicted either, nor the last one it read, so it can reattach with that event's id.
   */
  detach(readThrough: number | null = null): void {
    this.detachedFrom = this.nextSeq;
    this.keptFrom = this.nextSeq;
    if (readThrough === null) return;
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      const entry = this.entries[i] as Entry;
      this.keptFrom = entry.seq;
      if (entry.end <= readThrough) break;
      this.detachedFrom = entry.seq;
    }
  }

  /**
   * Frames after `lastEventId` (or, without one, those produced since the client detached), and
   * switches back to attached mode.
   */
  reattach(lastEventId: string | null): Replay {
    let from = this.detachedFrom ?? this.nextSeq;
    let complete = true;
    if (lastEventId !== null) {
      const found = this.findSeq(lastEventId);
      if (found === null) complete = !this.evicted;
      from = found === null ? this.firstSeq() : found + 1;
    }
    const frames: string[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i] as Entry;
      if (entry.seq >= from) frames.push(entry.frame);
    }
    this.detachedFrom = null;
    this.trim();
    return { frames, complete };
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }

  /** Where the still-kept event `eventId` ends in the stream (compare with `total`), or null. */
  endOf(eventId: string): number | null {
    return this.find(eventId)?.end ?? null;
  }

  private findSeq(eventId: string): number | null {
    return this.find(eventId)?.seq ?? null;
  }

  private find(eventId: string): Entry | null {
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      const entry = this.entries[i] as Entry;
      if (entry.eventId === eventId) return entry;
    }
    return null;
  }

  private firstSeq(): number {
    return this.entries[this.head]?.seq ?? this.nextSeq;
  }

  /** Evicts the oldest events beyond the bound (the newest one always stays). */
  private trim(): void {
    while (this.bytes > this.limitBytes && this.entries.length - this.head > 1) this.evictOne();
    this.compact();
  }

  private evictOne(): void {
    const entry = this.entries[this.head] as Entry;
    this.bytes -= entry.frame.length;
    this.head++;
    this.evicted = true;
  }

  /** Drops evicted slots once they are a large share of the array (amortised O(1) eviction). */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
