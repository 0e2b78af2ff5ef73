import { describe, expect, it } from "vitest";
import { normalise, VectorMatrix } from "./vector-matrix";

const vec = (...xs: number[]) => normalise(new Float32Array(xs));
const meta = (cacheKey: string, expiresAt = Date.now() + 60_000) => ({
  cacheKey,
  question: cacheKey,
  expiresAt,
});

describe("VectorMatrix", () => {
  it("finds the most similar row above the threshold", () => {
    const m = new VectorMatrix();
    m.append(vec(1, 0, 0, 0, 0), meta("x"));
    m.append(vec(0, 1, 0, 0, 0), meta("y"));
    m.append(vec(0.9, 0.1, 0, 0, 0), meta("near-x"));
    const hit = m.search(vec(1, 0.05, 0, 0, 0), 0.9);
    expect(hit?.meta.cacheKey).toBe("x");
    expect(hit?.similarity).toBeGreaterThan(0.99);
    expect(m.search(vec(0, 0, 1, 0, 0), 0.5)).toBeNull();
  });

  it("skips expired rows and refuses vectors of another width", () => {
    const m = new VectorMatrix();
    m.append(vec(1, 0, 0), meta("old", Date.now() - 1));
    expect(m.search(vec(1, 0, 0), 0.5)).toBeNull();
    expect(m.append(vec(1, 0), meta("short"))).toBe(false);
  });

  it("compacts after removal and keeps searching the rest", () => {
    const m = new VectorMatrix();
    for (let i = 0; i < 100; i++) m.append(vec(Math.cos(i / 10), Math.sin(i / 10)), meta(`k${i}`));
    const removed = m.remove([0, 5, 99]);
    expect(removed.map((r) => r.cacheKey)).toEqual(["k0", "k5", "k99"]);
    expect(m.count).toBe(97);
    expect(m.search(vec(Math.cos(0.7), Math.sin(0.7)), 0.9999)?.meta.cacheKey).toBe("k7");
  });
});
