import { describe, expect, it } from "vitest";
import { orderOf } from "./ab";

describe("the ab suite's turn order", () => {
  it("puts every target in every place, and after every other, equally often", () => {
    const targets = ["base", "candidate", "bare"];
    const rounds = Array.from({ length: 2 * targets.length }, (_, round) => orderOf(targets, round));
    for (const order of rounds) expect([...order].sort()).toEqual([...targets].sort());
    for (const [place] of targets.entries()) {
      const counts = targets.map((t) => rounds.filter((order) => order[place] === t).length);
      expect(new Set(counts).size).toBe(1);
    }
    const follows = new Map<string, number>();
    for (const order of rounds)
      for (let i = 1; i < order.length; i++) {
        const pair = `${order[i - 1]}>${order[i]}`;
        follows.set(pair, (follows.get(pair) ?? 0) + 1);
      }
    expect(follows.size).toBe(targets.length * (targets.length - 1));
    expect(new Set(follows.values()).size).toBe(1);
  });
});
