import { describe, expect, it } from "vitest";
import type { FanOutResult } from "./realtime-load";
import { countStalls, poolFanOut } from "./realtime-report";

/** `n` sessions sending a frame every 20 ms for `ms`, each answered in `rtt(sentAt)` ms. */
function run(n: number, ms: number, rtt: (sentAt: number) => number): FanOutResult {
  const samples: number[] = [];
  const sentAt: number[] = [];
  const sessionOf: number[] = [];
  for (let t = 0; t < ms; t += 20) {
    for (let s = 0; s < n; s++) {
      const at = t + (s * 20) / n;
      sentAt.push(at);
      sessionOf.push(s);
      samples.push(rtt(at));
    }
  }
  return { sessions: n, samples, sentAt, sessionOf, cpuMs: {}, durationMs: ms };
}

describe("fan-out stalls", () => {
  it("counts moments when most sessions' frames were delayed together", () => {
    // Two 30 ms pauses of the relay: every frame sent during them waits for its end.
    const paused = (at: number) =>
      (at >= 400 && at < 430 ? 430 - at : 0) + (at >= 1500 && at < 1530 ? 1530 - at : 0) + 0.4;
    const result = run(50, 2000, paused);
    expect(countStalls(result)).toBe(2);
    expect(poolFanOut([result, result]).stallsPerSecond).toBe(1);
  });

  it("does not count one slow session as a stall", () => {
    let i = 0;
    // Every 50th frame (always the same session's) is slow; the others are not.
    const result = run(50, 2000, () => (i++ % 50 === 0 ? 12 : 0.4));
    expect(countStalls(result)).toBe(0);
  });

  it("does not count two slow sessions half a frame period apart as a stall", () => {
    let i = 0;
    // Sessions 0 and 25 of 50 send 10 ms apart, one after the other, and every frame of theirs is slow.
    const result = run(50, 2000, () => ([0, 25].includes(i++ % 50) ? 12 : 0.4));
    expect(countStalls(result)).toBe(0);
  });
});
