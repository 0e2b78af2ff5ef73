import { describe, expect, it } from "vitest";
import { TenantShare } from "./tenant-share";
import { refilled, secondsUntilToken } from "./token-bucket";

/** A tenant bucket as `TenantBudget` keeps it, answering leases synchronously. */
function budget(perMinute: number) {
  let tokens = perMinute;
  const calls: { charge: number; want: number }[] = [];
  const lease = async (charge: number, want: number) => {
    calls.push({ charge, want });
    tokens -= charge;
    const granted = Math.max(0, Math.min(want, Math.floor(tokens)));
    tokens -= granted;
    return { granted, retryAfterSeconds: granted < want ? secondsUntilToken(tokens, perMinute) : 0 };
  };
  return { lease, calls, tokens: () => tokens };
}

describe("TenantShare", () => {
  it("admits up to its credit before any lease, then refuses until the lease arrives", () => {
    const share = new TenantShare(50);
    expect(share.credit).toBe(5);
    const decisions = Array.from({ length: 7 }, () => share.admit(0));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    expect(decisions.at(-1)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("charges the credit it used with the next lease and admits from the tokens granted", async () => {
    const tenant = budget(50);
    const share = new TenantShare(50);
    for (let i = 0; i < 3; i++) share.admit(0);
    await share.topUp(tenant.lease);
    expect(tenant.calls).toEqual([{ charge: 3, want: 5 }]);
    expect(tenant.tokens()).toBe(42);
    // Five leased tokens, then credit again.
    for (let i = 0; i < 5; i++) expect(share.admit(0)).toEqual({ allowed: true, onCredit: false });
    expect(share.admit(0)).toEqual({ allowed: true, onCredit: true });
  });

  it("admits no more than the tenant's budget plus its credit, and refuses until the bucket refills", async () => {
    const tenant = budget(20);
    const share = new TenantShare(20);
    let admitted = 0;
    for (let i = 0; i < 100; i++) {
      if (share.admit(0).allowed) admitted += 1;
      await share.topUp(tenant.lease);
    }
    expect(admitted).toBeGreaterThanOrEqual(20);
    expect(admitted).toBeLessThanOrEqual(20 + share.credit);
    const refused = share.admit(Date.now());
    expect(refused.allowed).toBe(false);
  });

  it("gives a released request's token back to where it came from", async () => {
    const tenant = budget(10);
    const share = new TenantShare(10);
    const onCredit = share.admit(0);
    if (!onCredit.allowed) throw new Error("the first request is admitted on credit");
    share.release(onCredit);
    expect(share.topUp(tenant.lease)).not.toBeNull();
    await share.settled();
    expect(tenant.calls).toEqual([{ charge: 0, want: 1 }]);
  });
});

describe("token bucket", () => {
  it("starts full, refills at the limit per minute, never above it", () => {
    const fresh = refilled(undefined, 60, 0);
    expect(fresh.tokens).toBe(60);
    const spent = { ...fresh, tokens: -2 };
    expect(refilled(spent, 60, 1_000).tokens).toBe(-1);
    expect(refilled(spent, 60, 3_600_000).tokens).toBe(60);
    expect(refilled(spent, 30, 1_000).tokens).toBe(30);
  });

  it("counts whole seconds, at least one, until a token is back", () => {
    expect(secondsUntilToken(0.5, 60)).toBe(1);
    expect(secondsUntilToken(-1, 30)).toBe(4);
    expect(secondsUntilToken(0, 6)).toBe(10);
  });
});
