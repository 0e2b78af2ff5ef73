import { describe, expect, it } from "vitest";
import { BoundedMap } from "./bounded-map";

describe("BoundedMap", () => {
  it("drops the least recently used entry past its entry limit", () => {
    const map = new BoundedMap<number>({ maxEntries: 2, maxTotal: 100, maxItem: 100 });
    map.set("a", 1, 1);
    map.set("b", 2, 1);
    expect(map.get("a")).toBe(1); // a is now the most recently used
    map.set("c", 3, 1);
    expect(map.get("b")).toBeUndefined();
    expect(map.get("a")).toBe(1);
    expect(map.get("c")).toBe(3);
    expect(map.usage()).toEqual({ entries: 2, total: 2 });
  });

  it("keeps the total size within its limit, counts a replaced entry once, and skips an item too large", () => {
    const map = new BoundedMap<string>({ maxEntries: 10, maxTotal: 10, maxItem: 6 });
    map.set("a", "x", 4);
    map.set("a", "y", 5);
    expect(map.usage()).toEqual({ entries: 1, total: 5 });
    map.set("b", "z", 6);
    expect(map.get("a")).toBeUndefined();
    expect(map.usage()).toEqual({ entries: 1, total: 6 });
    map.set("big", "w", 7);
    expect(map.get("big")).toBeUndefined();
    expect(map.get("b")).toBe("z");
  });
});
