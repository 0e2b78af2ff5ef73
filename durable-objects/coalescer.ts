import { DurableObject } from "cloudflare:workers";
import type { CacheEntry } from "../src/cache/store";

export type JoinResult =
  | { role: "leader"; token: string }
  | { role: "follower"; entry: CacheEntry; waiters: number }
  | { role: "retry" };

interface Flight {
  token: string;
  waiters: ((result: JoinResult) => void)[];
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Joins identical in-flight requests across isolates. One object serves a shard of the cache keys
 * (`coalescerName` in src/cache/index.ts: 64 per continent) and holds a flight per key in flight:
 * the first caller of a key leads (calls the provider), later callers of that key wait for its
 * answer; a leader that fails, or does not report within its deadline, releases its key's waiters
 * to try themselves.
 *
 * Shards, not an object per key: every miss has a new key, and an object per key meant creating a
 * Durable Object (and its SQLite database) on every miss, before the provider was called.
 */
export class Coalescer extends DurableObject {
  private readonly flights = new Map<string, Flight>();

  /** Leads when nothing is in flight for `key`; otherwise waits for its leader's answer (or release). */
  joinKey(key: string, leaderDeadlineMs: number): Promise<JoinResult> | JoinResult {
    const flight = this.flights.get(key);
    if (!flight) {
      const token = crypto.randomUUID();
      const timer = setTimeout(() => this.release(key, token, { role: "retry" }), leaderDeadlineMs);
      this.flights.set(key, { token, waiters: [], timer });
      return { role: "leader", token };
    }
    return new Promise<JoinResult>((resolve) => flight.waiters.push(resolve));
  }

  /** The leader's answer: every waiter of `key` gets it. */
  completeKey(key: string, token: string, entry: CacheEntry): number {
    const flight = this.flights.get(key);
    const waiters = flight?.token === token ? flight.waiters.length : 0;
    this.release(key, token, { role: "follower", entry, waiters });
    return waiters;
  }

  /** The leader failed (error status, cut stream, no-store): `key`'s waiters go to the provider themselves. */
  abandonKey(key: string, token: string): void {
    this.release(key, token, { role: "retry" });
  }

  /** Keys in flight (for tests and diagnostics). */
  inFlight(): number {
    return this.flights.size;
  }

  private release(key: string, token: string, result: JoinResult): void {
    const flight = this.flights.get(key);
    if (!flight || flight.token !== token) return;
    clearTimeout(flight.timer);
    this.flights.delete(key);
    for (const resolve of flight.waiters) resolve(result);
  }
}
