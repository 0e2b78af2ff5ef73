import { DurableObject } from "cloudflare:workers";

/** One bucket to draw from: `key` names it, `perMinute` is its refill rate and burst size. */
export interface BucketSpec {
  key: string;
  perMinute: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the refused request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
  /** The key of the bucket that refused, when one did. */
  limitedBy: string | null;
  limit: number;
  remaining: number;
}

interface Bucket {
  tokens: number;
  updated: number;
  perMinute: number;
}

const IDLE_BUCKET_MS = 10 * 60_000;

/**
 * Token buckets for one tenant, shared by every isolate that serves it. State lives in memory:
 * an evicted object starts with full buckets, which errs on the side of serving requests.
 */
export class RateLimiter extends DurableObject {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  /** Takes one token from every bucket, or none if any bucket is empty (all-or-nothing). */
  take(specs: BucketSpec[]): RateDecision {
    const now = Date.now();
    this.sweep(now);
    const refilled = specs.map((spec) => ({ spec, bucket: this.refill(spec, now) }));
    const empty = refilled.find(({ bucket }) => bucket.tokens < 1);
    if (empty) {
      const perMs = empty.spec.perMinute / 60_000;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - empty.bucket.tokens) / perMs / 1000)),
        limitedBy: empty.spec.key,
        limit: empty.spec.perMinute,
        remaining: 0,
      };
    }
    let tightest: { spec: BucketSpec; bucket: Bucket } | undefined;
    for (const entry of refilled) {
      entry.bucket.tokens -= 1;
      if (!tightest || entry.bucket.tokens < tightest.bucket.tokens) tightest = entry;
    }
    return {
      allowed: true,
      retryAfterSeconds: 0,
      limitedBy: null,
      limit: tightest?.spec.perMinute ?? 0,
      remaining: Math.floor(tightest?.bucket.tokens ?? 0),
    };
  }

  private refill(spec: BucketSpec, now: number): Bucket {
    const existing = this.buckets.get(spec.key);
    if (!existing || existing.perMinute !== spec.perMinute) {
      const fresh = { tokens: spec.perMinute, updated: now, perMinute: spec.perMinute };
      this.buckets.set(spec.key, fresh);
      return fresh;
    }
    const elapsed = now - existing.updated;
    existing.tokens = Math.min(spec.perMinute, existing.tokens + (elapsed * spec.perMinute) / 60_000);
    existing.updated = now;
    return existing;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < IDLE_BUCKET_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets)
      if (now - bucket.updated > IDLE_BUCKET_MS) this.buckets.delete(key);
  }
}
