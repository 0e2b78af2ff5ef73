import { afterEach, describe, expect, it, vi } from "vitest";
import { IsolateCache } from "./isolate-cache";

let now = 1_000_000;
const at = (ms: number) => {
  now = 1_000_000 + ms;
};

function counter(values: (string | null)[]) {
  let calls = 0;
  const load = vi.fn(async () => values[Math.min(calls++, values.length - 1)] ?? null);
  return load;
}

describe("IsolateCache", () => {
  vi.spyOn(Date, "now").mockImplementation(() => now);
  afterEach(() => at(0));

  it("answers from the copy in the first half of the window without loading", async () => {
    const cache = new IsolateCache<string | null>(2_000);
    const load = counter(["a", "b"]);
    expect(await cache.get("k", load)).toBe("a");
    at(900);
    expect(await cache.get("k", load)).toBe("a");
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("answers from the copy in the second half while refreshing it in the background", async () => {
    const cache = new IsolateCache<string | null>(2_000);
    const load = counter(["a", "b"]);
    await cache.get("k", load);
    at(1_500);
    const background: Promise<unknown>[] = [];
    expect(await cache.get("k", load, (p) => background.push(p))).toBe("a");
    expect(background).toHaveLength(1);
    await Promise.all(background);
    // Past the first copy's window: the refreshed one counts from when its read started (1.5 s).
    at(2_400);
    expect(await cache.get("k", load)).toBe("b");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("waits for a fresh read once the copy is older than the window", async () => {
    const cache = new IsolateCache<string | null>(2_000);
    const load = counter(["a", "b"]);
    await cache.get("k", load);
    at(2_000);
    expect(await cache.get("k", load)).toBe("b");
  });

  it("keeps no value the keep test refuses, so a revoked key is read again at once", async () => {
    const cache = new IsolateCache<string | null>(2_000, 10, (v) => v !== null);
    const load = counter([null, "a"]);
    expect(await cache.get("k", load)).toBeNull();
    expect(await cache.get("k", load)).toBe("a");
  });

  it("drops a copy whose background refresh reads a refused value", async () => {
    const cache = new IsolateCache<string | null>(2_000, 10, (v) => v !== null);
    const load = counter(["a", null, "c"]);
    await cache.get("k", load);
    at(1_500);
    const background: Promise<unknown>[] = [];
    await cache.get("k", load, (p) => background.push(p));
    await Promise.all(background);
    expect(await cache.get("k", load)).toBe("c");
  });

  it("lets a forget during a refresh win over the refreshed value", async () => {
    const cache = new IsolateCache<string | null>(2_000);
    const load = counter(["a", "stale", "fresh"]);
    await cache.get("k", load);
    at(1_500);
    const background: Promise<unknown>[] = [];
    await cache.get("k", load, (p) => background.push(p));
    cache.forget("k");
    await Promise.all(background);
    expect(await cache.get("k", load)).toBe("fresh");
  });
});
