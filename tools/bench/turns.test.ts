import { describe, expect, it } from "vitest";
import { cpuPerRequest, inTurns, orderOf, poolTurns, type TurnResult } from "./turns";

describe("calls taking turns one at a time", () => {
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

  it("gives every call its count in turns, with distinct indices from `first`, and counts CPU", async () => {
    const log: string[] = [];
    const indices: Record<string, number[]> = { a: [], b: [], c: [] };
    const call = (name: string) => async (i: number) => {
      log.push(name);
      indices[name]?.push(i);
      return i;
    };
    const results = await inTurns(
      { a: call("a"), b: call("b"), c: call("c") },
      { count: 25, turn: 10, first: 1_000, pidOf: () => process.pid },
    );
    for (const name of ["a", "b", "c"]) {
      expect(indices[name]).toEqual(Array.from({ length: 25 }, (_, j) => 1_000 + j));
      expect(results.get(name)?.samples).toHaveLength(25);
      expect(results.get(name)?.cpuMs).toBeGreaterThanOrEqual(0);
    }
    // Rounds a b c, c b a (c's two turns back to back), b c a with the last 5 requests each.
    const runs = log
      .join("")
      .match(/(.)\1*/g)
      ?.map((run) => run.length);
    expect(runs).toEqual([10, 10, 20, 10, 10, 5, 5, 5]);
    // The first round's order is reversed in the second.
    expect(log.slice(0, 30).filter((_, i) => i % 10 === 0)).toEqual(["a", "b", "c"]);
    expect(log.slice(30, 60).filter((_, i) => i % 10 === 0)).toEqual(["c", "b", "a"]);
  });

  it("pools launches call by call: samples after each other, CPU summed", () => {
    const pooled = new Map<string, TurnResult>();
    poolTurns(pooled, new Map([["a", { samples: [1, 2], cpuMs: 4 }]]));
    poolTurns(
      pooled,
      new Map([
        ["a", { samples: [3], cpuMs: 2 }],
        ["b", { samples: [5], cpuMs: 1 }],
      ]),
    );
    expect(pooled.get("a")).toEqual({ samples: [1, 2, 3], cpuMs: 6 });
    expect(cpuPerRequest(pooled.get("a"))).toBe(2);
    expect(pooled.get("b")).toEqual({ samples: [5], cpuMs: 1 });
  });
});
