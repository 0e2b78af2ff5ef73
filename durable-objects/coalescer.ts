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
 * Joins identical in-flight requests across isolates: one object per cache key. The first caller
 * leads (calls the provider), later callers wait for its answer; a leader that fails, or does not
 * report within its deadline, releases the waiters to try themselves.
 */
export class Coalescer extends DurableObject {
  private flight: Flight | null = null;

  /** Leads when nothing is in flight; otherwise waits for the leader's answer (or release). */
  join(leaderDeadlineMs: number): Promise<JoinResult> | JoinResult {
    if (!this.flight) {
      const token = crypto.randomUUID();
      const timer = setTimeout(() => this.release(token, { role: "retry" }), leaderDeadlineMs);
      this.flight = { token, waiters: [], timer };
      return { role: "leader", token };
    }
    const flight = this.flight;
    return new Promise<JoinResult>((resolve) => flight.waiters.push(resolve));
  }

  /** The leader's answer: every waiter gets it. */
  complete(token: string, entry: CacheEntry): number {
    const waiters = this.flight?.token === token ? this.flight.waiters.length : 0;
    this.release(token, { role: "follower", entry, waiters });
    return waiters;
  }

  /** The leader failed (error status, cut stream, no-store): waiters go to the provider themselves. */
  abandon(token: string): void {
    this.release(token, { role: "retry" });
  }

  private release(token: string, result: JoinResult): void {
    const flight = this.flight;
    if (!flight || flight.token !== token) return;
    clearTimeout(flight.timer);
    this.flight = null;
    for (const resolve of flight.waiters) resolve(result);
  }
}
