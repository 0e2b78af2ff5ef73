import { DurableObject } from "cloudflare:workers";
import { refilled, secondsUntilToken, type TokenBucket } from "../src/ratelimit/token-bucket";

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the refused request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
  limit: number;
  remaining: number;
}

/** The bucket's state, for tests and diagnostics. */
export interface BucketState {
  perMinute: number;
  tokens: number;
  /** Requests this object answered since it started (allowed or refused). */
  takes: number;
}

/**
 * The token bucket of ONE limited principal (an API key or an end user of a tenant), named
 * `<tenant>:key:<key id>` or `<tenant>:user:<user id>` (`bucketsFor()` in src/ratelimit/index.ts). Every isolate that
 * serves that principal draws from it, so its limit is exact; two principals of one tenant never
 * share an object, so no tenant-wide object is on the request path. State lives in memory: an
 * evicted object starts with a full bucket, which errs on the side of serving requests.
 */
export class RateLimiter extends DurableObject {
  private bucket: TokenBucket | undefined;
  private takes = 0;

  /** Takes one token, or refuses without taking any when the bucket is empty. */
  take(perMinute: number): RateDecision {
    this.takes += 1;
    const bucket = this.refill(perMinute);
    if (bucket.tokens < 1) {
      return {
        allowed: false,
        retryAfterSeconds: secondsUntilToken(bucket.tokens, perMinute),
        limit: perMinute,
        remaining: 0,
      };
    }
    bucket.tokens -= 1;
    return { allowed: true, retryAfterSeconds: 0, limit: perMinute, remaining: Math.floor(bucket.tokens) };
  }

  /**
   * Returns a token taken for a request that another bucket then refused, so a refused request
   * costs no bucket anything (all-or-nothing across a request's buckets).
   */
  giveBack(perMinute: number): void {
    const bucket = this.refill(perMinute);
    bucket.tokens = Math.min(perMinute, bucket.tokens + 1);
  }

  state(): BucketState | null {
    if (!this.bucket) return null;
    return { perMinute: this.bucket.perMinute, tokens: this.bucket.tokens, takes: this.takes };
  }

  private refill(perMinute: number): TokenBucket {
    this.bucket = refilled(this.bucket, perMinute, Date.now());
    return this.bucket;
  }
}
