import type { RateDecision } from "../../durable-objects/rate-limiter";
import type { Principal } from "../identity/principal";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";
import { shareOf, topUpInBackground } from "./tenant-share";

type Scope = "API key" | "end user" | "tenant";

/** One limited principal of a request: the name of its `RateLimiter` object and its limit. */
export interface LimitedBucket {
  /** `<tenant>:key:<key id>` or `<tenant>:user:<end user>`: one object per principal, never per tenant. */
  name: string;
  scope: Scope;
  perMinute: number;
}

/** The buckets a request draws from under the tenant's `rate_limits` (none when unset). */
export function bucketsFor(principal: Principal, userId: string | null): LimitedBucket[] {
  const limits = principal.tenant.settings.rate_limits;
  const tenant = principal.tenant.id;
  const buckets: LimitedBucket[] = [];
  if (limits?.requests_per_minute_per_key) {
    const perMinute = limits.requests_per_minute_per_key;
    buckets.push({ name: `${tenant}:key:${principal.keyId}`, scope: "API key", perMinute });
  }
  if (limits?.requests_per_minute_per_user && userId !== null) {
    const perMinute = limits.requests_per_minute_per_user;
    buckets.push({ name: `${tenant}:user:${userId}`, scope: "end user", perMinute });
  }
  return buckets;
}

/**
 * Enforces the tenant's requests-per-minute limits per API key and per end user, across isolates.
 * Each limited principal has its own `RateLimiter` Durable Object, called in parallel, so a request
 * waits on its own key's and user's objects only, never on one object for the whole tenant. A
 * request refused by one bucket gives back the token another took (on the refusal path only).
 * The tenant-wide limit is decided in the isolate, from a share leased in the background
 * (`./tenant-share.ts`). No limits configured: no call is made.
 * @see https://developers.cloudflare.com/durable-objects/
 */
export async function enforceRateLimit(
  env: Bindings,
  principal: Principal,
  userId: string | null,
): Promise<void> {
  const perTenant = principal.tenant.settings.rate_limits?.requests_per_minute_per_tenant;
  if (!perTenant) return enforcePrincipalLimits(env, principal, userId);
  const tenantId = principal.tenant.id;
  const share = shareOf(tenantId, perTenant);
  const admitted = share.admit(Date.now());
  try {
    if (!admitted.allowed) throw rateLimited("tenant", { limit: perTenant, ...admitted });
    await enforcePrincipalLimits(env, principal, userId).catch((err: unknown) => {
      share.release(admitted);
      throw err;
    });
  } finally {
    topUpInBackground(env, tenantId, share);
  }
}

async function enforcePrincipalLimits(env: Bindings, principal: Principal, userId: string | null) {
  const buckets = bucketsFor(principal, userId);
  if (buckets.length === 0) return;
  const decisions = await Promise.all(
    buckets.map((bucket) => env.RATE_LIMITER.getByName(bucket.name).take(bucket.perMinute)),
  );
  const refusedAt = decisions.findIndex((decision) => !decision.allowed);
  const refused = decisions[refusedAt];
  const bucket = buckets[refusedAt];
  if (!refused || !bucket) return;
  await Promise.all(
    buckets.map((other, i) =>
      decisions[i]?.allowed ? env.RATE_LIMITER.getByName(other.name).giveBack(other.perMinute) : undefined,
    ),
  );
  throw rateLimited(bucket.scope, refused);
}

/** OpenAI's 429 for a request over a limit, with `retry-after` and `x-ratelimit-*` headers. */
function rateLimited(
  scope: Scope,
  decision: Pick<RateDecision, "limit" | "retryAfterSeconds">,
): GatewayError {
  return new GatewayError(
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
