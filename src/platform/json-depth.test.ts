import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, tooDeepAt } from "./json-depth";

/** `depth` levels of arrays around a value: `[[[1]]]` is depth 3. */
const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

describe("tooDeepAt", () => {
  it("accepts exactly the limit and refuses one level more", () => {
    expect(tooDeepAt(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(tooDeepAt(nested(MAX_JSON_DEPTH + 1))).not.toBeNull();
  });

  it("names the first container past the limit, keys and indexes included", () => {
    const deep = `{"model":"m","tools":[{"a":1},{"function":{"parameters":${nested(200)}}}]}`;
    // Levels: body, tools, tools[1], function, parameters (5), then [0] ×3 (8): the ninth is too deep.
    expect(tooDeepAt(deep, 8)).toBe("tools[1].function.parameters[0][0][0][0]");
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ a: "[[[[[[[[[[{{{{{{", b: ['\\"[[[[[[[', { c: "]]]]" }] });
    expect(tooDeepAt(text, 3)).toBeNull();
    expect(tooDeepAt(`{"a":"\\"","b":[[[1]]]}`, 3)).toBe("b[0][0]");
  });

  it("scans 10,000 levels without recursion", () => {
    expect(tooDeepAt(nested(10_000))).toBe("[0]".repeat(MAX_JSON_DEPTH));
  });

  it("agrees with the real depth of any JSON value", () => {
    const depthOf = (v: unknown): number =>
      typeof v === "object" && v !== null
        ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, limit) => {
        const tooDeep = tooDeepAt(JSON.stringify(value), limit) !== null;
        expect(tooDeep).toBe(depthOf(value) > limit);
      }),
    );
  });
});
