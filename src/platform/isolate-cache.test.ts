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

/**
 * A cache with a 2 s window, a loader answering `values` in turn, the first read (at 0 s), and
 * `readAt(ms)`, a read `ms` after it.
 */
async function firstRead(values: (string | null)[], keep?: (value: string | null) => boolean) {
  const cache = new IsolateCache<string | null>(2_000, 10, keep);
  const load = counter(values);
  const readAt = (ms: number) => {
    at(ms);
    return cache.get("k", load);
  };
  return { cache, load, readAt, first: await cache.get("k", load) };
}

/** A read that starts background refreshes, with them collected to be awaited. */
async function readRefreshing(cache: IsolateCache<string | null>, load: () => Promise<string | null>) {
  const background: Promise<unknown>[] = [];
  return { value: await cache.get("k", load, (p) => background.push(p)), background };
}

describe("IsolateCache", () => {
  vi.spyOn(Date, "now").mockImplementation(() => now);
  afterEach(() => at(0));

  it("answers from the copy in the first half of the window without loading", async () => {
    const { load, readAt, first } = await firstRead(["a", "b"]);
    expect(first).toBe("a");
    expect(await readAt(900)).toBe("a");
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("answers from the copy in the second half while refreshing it in the background", async () => {
    const { cache, load, readAt } = await firstRead(["a", "b"]);
    at(1_500);
    const { value, background } = await readRefreshing(cache, load);
    expect(value).toBe("a");
    expect(background).toHaveLength(1);
    await Promise.all(background);
    // Past the first copy's window: the refreshed one counts from when its read started (1.5 s).
    expect(await readAt(2_400)).toBe("b");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("waits for a fresh read once the copy is older than the window", async () => {
    const { readAt } = await firstRead(["a", "b"]);
    expect(await readAt(2_000)).toBe("b");
  });

  it("keeps no value the keep test refuses, so a revoked key is read again at once", async () => {
    const { cache, load, first } = await firstRead([null, "a"], (v) => v !== null);
    expect(first).toBeNull();
    expect(await cache.get("k", load)).toBe("a");
  });

  it("drops a copy whose background refresh reads a refused value", async () => {
    const { cache, load } = await firstRead(["a", null, "c"], (v) => v !== null);
    at(1_500);
    await Promise.all((await readRefreshing(cache, load)).background);
    expect(await cache.get("k", load)).toBe("c");
  });

  it("lets a forget during a refresh win over the refreshed value", async () => {
    const { cache, load } = await firstRead(["a", "stale", "fresh"]);
    at(1_500);
    const { background } = await readRefreshing(cache, load);
    cache.forget("k");
    await Promise.all(background);
    expect(await cache.get("k", load)).toBe("fresh");
  });
});
