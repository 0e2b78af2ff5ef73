import { describe, expect, it } from "vitest";
import type { CpuProfile } from "./cpu-profile";
import { byModule, moduleLines } from "./profile-modules";

const BUNDLE = [
  "var __defProp = Object.defineProperty;", // 0: before any marker
  "// ../node_modules/hono/dist/compose.js", // 1
  "var compose = () => {};", // 2
  "// ../../../src/cache/miss.ts", // 3
  "async function fetchAndRecord() {", // 4
  "}", // 5
  "// ../src/upstream/index.ts", // 6
  "function relayResponse() {}", // 7
].join("\n");

describe("moduleLines", () => {
  it("names the module whose marker is the nearest above a line, node_modules dropped from the name", () => {
    const moduleOf = moduleLines(BUNDLE);
    expect(moduleOf(0)).toBe("(bundle prelude)");
    expect(moduleOf(2)).toBe("hono/dist/compose.js");
    expect(moduleOf(3)).toBe("src/cache/miss.ts");
    expect(moduleOf(5)).toBe("src/cache/miss.ts");
    expect(moduleOf(7)).toBe("src/upstream/index.ts");
  });
});

describe("byModule", () => {
  const frame = (
    id: number,
    functionName: string,
    lineNumber: number,
    scriptId: string,
    children: number[] = [],
  ) => ({
    id,
    callFrame: {
      functionName,
      scriptId,
      url: scriptId === "0" ? "" : "bundle.js",
      lineNumber,
      columnNumber: 0,
    },
    children,
  });
  it("charges each busy sample to its innermost bundle frame, runtime calls to their caller, idle to none", () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1,
      nodes: [
        frame(1, "(root)", -1, "0", [2, 5, 6, 7]),
        frame(2, "fetchAndRecord", 4, "7", [3]),
        frame(3, "relayResponse", 7, "7", [4]),
        frame(4, "Response", -1, "0"), // a runtime call made by relayResponse
        frame(5, "(idle)", -1, "0"),
        frame(6, "(garbage collector)", -1, "0"),
        frame(7, "compose", 2, "7"),
      ],
      samples: [2, 3, 4, 4, 5, 5, 5, 6, 7, 7],
    };
    const modules = byModule(profile, { scriptId: "7", moduleOf: moduleLines(BUNDLE) }, 70);
    expect(modules).toEqual({
      "src/upstream/index.ts": 30,
      "src/cache/miss.ts": 10,
      "hono/dist/compose.js": 20,
      "(garbage collector)": 10,
    });
    expect(Object.keys(modules)[0]).toBe("src/upstream/index.ts");
  });
});
