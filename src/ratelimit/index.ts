import type { BucketSpec } from "../../durable-objects/rate-limiter";
import type { Principal } from "../identity/principal";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";

/**
 * Enforces the tenant's requests-per-minute limits per API key and per end user, across isolates,
 * through the tenant's `RateLimiter` Durable Object. No limits configured: no call is made.
 * @see https://developers.cloudflare.com/durable-objects/
 */
export async function enforceRateLimit(
  env: Bindings,
  principal: Principal,
  userId: string | null,
): Promise<void> {
  const limits = principal.tenant.settings.rate_limits;
  const specs: BucketSpec[] = [];
  if (limits?.requests_per_minute_per_key) {
    specs.push({ key: `key:${principal.keyId}`, perMinute: limits.requests_per_minute_per_key });
  }
  if (limits?.requests_per_minute_per_user && userId !== null) {
    specs.push({ key: `user:${userId}`, perMinute: limits.requests_per_minute_per_user });
  }
  if (specs.length === 0) return;
  const decision = await env.RATE_LIMITER.getByName(principal.tenant.id).take(specs);
  if (decision.allowed) return;
  const scope = decision.limitedBy?.startsWith("user:") ? "end user" : "API key";
  throw new GatewayError(
    429,
    `Rate limit reached for this ${scope}: ${decision.limit} requests per minute. Retry after ${decision.retryAfterSeconds} s.`,
    {
      type: "requests",
      code: "rate_limit_exceeded",
      headers: {
        "retry-after": String(decision.retryAfterSeconds),
        "x-ratelimit-limit-requests": String(decision.limit),
        "x-ratelimit-remaining-requests": "0",
      },
    },
  );
}
