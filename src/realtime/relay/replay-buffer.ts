/**
 * The server events a session keeps so a client that dropped can reattach with `last_event_id` and
 * receive what it missed, in order. The most recent `limitBytes` of events are always kept: a phone
 * that changed networks often reconnects before the server notices its old socket is dead, so the
 * events "sent" to that socket must still be here. While detached nothing may be evicted: once the
 * missed events outgrow the bound, the session cannot be resumed faithfully.
 *
 * Frames are kept as UTF-8 in shared `ArrayBuffer` slabs, outside the V8 heap: a few MiB of strings
 * per session, for every session of every user in an isolate, would otherwise be copied and marked by
 * the garbage collector that every relayed frame waits on. Sizes are in UTF-8 bytes.
 */

/** Slabs grow from the first size to the largest, so an idle session holds only a few KiB. */
const FIRST_SLAB_BYTES = 8 * 1024;
const SLAB_BYTES = 256 * 1024;
/** Frames at least this large get a buffer of their own instead of a slice of a slab. */
const OWN_BUFFER_BYTES = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A copy of an event id that does not keep its frame alive: V8 makes a substring of 13 or more
 * characters a view into the string it was cut from, so an id sliced from an 8 KB audio frame would
 * pin the whole frame on the heap for as long as the buffer keeps the id. Ids are JSON string
 * contents without escapes (see `frame.ts`), so parsing them back as a JSON string copies them.
 */
function ownCopy(id: string): string {
  try {
    return JSON.parse(`"${id}"`) as string;
  } catch {
    return id;
  }
}

interface Entry {
  seq: number;
  eventId: string | null;
  /** The frame's UTF-8 bytes (a view into a slab). */
  data: Uint8Array;
  /** `total` just after this frame: how far into the session's stream of server events it ends. */
  end: number;
}

/** Appends frames to slabs; a slab is freed by the garbage collector once no kept frame views it. */
class SlabWriter {
  private slab = new Uint8Array(0);
  private used = 0;

  /** `maxSlab`: the largest slab, kept small next to a small buffer (a kept frame pins its slab). */
  constructor(private readonly maxSlab: number) {}

  write(frame: string): Uint8Array {
    if (frame.length >= OWN_BUFFER_BYTES) return encoder.encode(frame);
    // One byte per character is the least a frame takes (the usual case: Realtime JSON is ASCII).
    if (this.slab.length - this.used < frame.length) this.nextSlab(frame.length);
    let { read, written } = encoder.encodeInto(frame, this.slab.subarray(this.used));
    if (read < frame.length) {
      // Not ASCII after all: three bytes per character is the most it can take.
      this.nextSlab(frame.length * 3);
      ({ read, written } = encoder.encodeInto(frame, this.slab));
    }
    const view = this.slab.subarray(this.used, this.used + written);
    this.used += written;
    return view;
  }

  private nextSlab(atLeast: number): void {
    const grown = Math.min(this.maxSlab, Math.max(FIRST_SLAB_BYTES, this.slab.length * 2));
    this.slab = new Uint8Array(Math.max(grown, atLeast));
    this.used = 0;
  }
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
  private readonly writer: SlabWriter;
  /**
   * The stream position the current client acknowledged reading through (`acknowledge`), null until
   * it does. The event ending there and every later one are never evicted, so a slow client's unread
   * events stay; a new client (`reattach`) must acknowledge again.
   */
  private acknowledged: number | null = null;
  bytes = 0;
  /** Bytes of every frame ever pushed: the position the stream of server events has reached. */
  total = 0;

  constructor(private readonly limitBytes: number) {
    this.writer = new SlabWriter(Math.min(SLAB_BYTES, Math.max(FIRST_SLAB_BYTES, limitBytes / 8)));
  }

  /**
   * The client has read every event up to `eventId` (false when no such event is kept): from now on
   * only events before it may be evicted. The buffer can then outgrow its bound by what the client has
   * not read; the caller bounds that with `unacknowledged`.
   */
  acknowledge(eventId: string): boolean {
    const end = this.endOf(eventId);
    if (end === null) return false;
    this.acknowledged = Math.max(this.acknowledged ?? 0, end);
    return true;
  }

  /** Bytes pushed since the event the client last acknowledged; null before its first ack. */
  get unacknowledged(): number | null {
    return this.acknowledged === null ? null : this.total - this.acknowledged;
  }

  /**
   * Keeps one frame. Returns false when a detached session has outgrown its bound (the caller ends
   * the session: the client could no longer be brought up to date).
   */
  push(eventId: string | null, frame: string): boolean {
    const data = this.writer.write(frame);
    this.total += data.length;
    const id = eventId === null ? null : ownCopy(eventId);
    this.entries.push({ seq: this.nextSeq++, eventId: id, data, end: this.total });
    this.bytes += data.length;
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
   * The client is gone: the events produced from now on are never evicted. When it had acknowledged
   * reading, neither are those after its last ack, nor that event itself, so it can reattach with
   * that event's id and miss nothing.
   */
  detach(): void {
    const readThrough = this.acknowledged;
    this.acknowledged = null;
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
      if (entry.seq >= from) frames.push(decoder.decode(entry.data));
    }
    this.detachedFrom = null;
    this.acknowledged = null;
    this.trim();
    return { frames, complete };
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
    this.acknowledged = null;
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
    const pinned = this.acknowledged ?? Number.POSITIVE_INFINITY;
    while (
      this.bytes > this.limitBytes &&
      this.entries.length - this.head > 1 &&
      (this.entries[this.head] as Entry).end < pinned
    )
      this.evictOne();
    this.compact();
  }

  private evictOne(): void {
    const entry = this.entries[this.head] as Entry;
    this.bytes -= entry.data.length;
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
