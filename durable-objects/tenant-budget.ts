import { DurableObject } from "cloudflare:workers";
import { refilled, secondsUntilToken, type TokenBucket } from "../src/ratelimit/token-bucket";

/** What a lease call answers: tokens granted, and when the tenant has one again if short. */
export interface Lease {
  granted: number;
  /** Seconds until the bucket holds a token again; 0 when all that was asked was granted. */
  retryAfterSeconds: number;
}

/**
 * The tenant-wide token bucket of `rate_limits.requests_per_minute_per_tenant`, one per tenant.
 * Never on the request path: isolates lease tokens from it in the background (src/ratelimit/
 * tenant-share.ts) and are charged for the requests they admitted on credit, which may take the
 * bucket below zero, so every admitted request is paid for. State in memory, like `RateLimiter`.
 */
export class TenantBudget extends DurableObject {
  private bucket: TokenBucket | undefined;
  private leases = 0;

  /** Charges `charge` tokens unconditionally, then grants up to `want` more from what is left. */
  lease(perMinute: number, charge: number, want: number): Lease {
    this.leases += 1;
    const bucket = refilled(this.bucket, perMinute, Date.now());
    this.bucket = bucket;
    bucket.tokens -= charge;
    const granted = Math.max(0, Math.min(want, Math.floor(bucket.tokens)));
    bucket.tokens -= granted;
    if (granted === want) return { granted, retryAfterSeconds: 0 };
    return { granted, retryAfterSeconds: secondsUntilToken(bucket.tokens, perMinute) };
  }

  state(): { perMinute: number; tokens: number; leases: number } | null {
    if (!this.bucket) return null;
    return { perMinute: this.bucket.perMinute, tokens: this.bucket.tokens, leases: this.leases };
  }
}
