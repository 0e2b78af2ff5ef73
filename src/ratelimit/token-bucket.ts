/** A token bucket holding up to `perMinute` tokens, refilled continuously at `perMinute` a minute. */
export interface TokenBucket {
  tokens: number;
  updated: number;
  perMinute: number;
}

/**
 * The bucket refilled up to `now`; a missing bucket, or one kept under another limit, starts full.
 * Tokens may be below zero (a tenant budget charged for requests admitted on credit).
 */
export function refilled(bucket: TokenBucket | undefined, perMinute: number, now: number): TokenBucket {
  if (!bucket || bucket.perMinute !== perMinute) return { tokens: perMinute, updated: now, perMinute };
  const tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.updated) * perMinute) / 60_000);
  return { tokens, updated: now, perMinute };
}

/** Whole seconds (at least 1) until a bucket at `tokens` holds one token again. */
export function secondsUntilToken(tokens: number, perMinute: number): number {
  return Math.max(1, Math.ceil(((1 - tokens) * 60) / perMinute));
}
