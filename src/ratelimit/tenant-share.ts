import { waitUntil } from "cloudflare:workers";
import type { Lease } from "../../durable-objects/tenant-budget";
import type { Bindings } from "../platform/env";

/** What admitting one request against the tenant-wide limit decided, in this isolate. */
export type ShareDecision =
  | { allowed: true; onCredit: boolean }
  | { allowed: false; retryAfterSeconds: number };

/**
 * This isolate's share of one tenant's `requests_per_minute_per_tenant`: tokens leased from the
 * tenant's `TenantBudget` object, and requests admitted on credit before a lease arrived. Decides
 * without any call; leases are taken in the background (`waitUntil`), one at a time, and charge
 * the credit used, so the isolate never holds more than `credit` requests the tenant has not paid.
 */
export class TenantShare {
  private balance = 0;
  private debt = 0;
  private blockedUntil = 0;
  private leasing: Promise<void> | null = null;
  /** Requests admitted on credit (and leased tokens kept) at most: one tenth of the minute's limit. */
  readonly credit: number;

  constructor(readonly perMinute: number) {
    this.credit = Math.max(1, Math.ceil(perMinute / 10));
  }

  admit(now: number): ShareDecision {
    if (this.balance >= 1) {
      this.balance -= 1;
      return { allowed: true, onCredit: false };
    }
    if (now < this.blockedUntil) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((this.blockedUntil - now) / 1000)) };
    }
    if (this.debt < this.credit) {
      this.debt += 1;
      return { allowed: true, onCredit: true };
    }
    // Credit spent and the lease that settles it still on its way.
    return { allowed: false, retryAfterSeconds: 1 };
  }

  /** Undoes `admit` for a request another limit then refused. */
  release(decision: { onCredit: boolean }): void {
    if (decision.onCredit) this.debt = Math.max(0, this.debt - 1);
    else this.balance += 1;
  }

  /** Settles the credit used and tops the balance up, unless a lease is under way or none is needed. */
  topUp(lease: (charge: number, want: number) => Promise<Lease>): Promise<void> | null {
    if (this.leasing || (this.debt === 0 && this.balance >= this.credit / 2)) return null;
    const charge = this.debt;
    const want = Math.max(0, this.credit - this.balance);
    this.debt = 0;
    this.leasing = lease(charge, want)
      .then(
        (answer) => {
          this.balance += answer.granted;
          if (answer.granted < want) this.blockedUntil = Date.now() + answer.retryAfterSeconds * 1000;
        },
        () => {
          // Charged at the next lease instead; the credit stays used until then.
          this.debt += charge;
        },
      )
      .finally(() => {
        this.leasing = null;
      });
    return this.leasing;
  }

  /** The lease under way, if any (tests wait for it instead of sleeping). */
  settled(): Promise<void> {
    return this.leasing ?? Promise.resolve();
  }
}

/** This isolate's shares, by tenant. */
const shares = new Map<string, TenantShare>();

/** The isolate's share of `tenantId`'s tenant-wide limit (a new one when the limit changed). */
export function shareOf(tenantId: string, perMinute: number): TenantShare {
  const existing = shares.get(tenantId);
  if (existing && existing.perMinute === perMinute) return existing;
  const share = new TenantShare(perMinute);
  shares.set(tenantId, share);
  return share;
}

/** Starts a background lease for the share when it needs one; never awaited by a request. */
export function topUpInBackground(env: Bindings, tenantId: string, share: TenantShare): void {
  const leasing = share.topUp((charge, want) =>
    env.TENANT_BUDGET.getByName(tenantId).lease(share.perMinute, charge, want),
  );
  if (leasing) waitUntil(leasing);
}
