import { describe, expect, it } from "vitest";
import { imageTokens, trainingCostUsd } from "./tokens";

describe("imageTokens", () => {
  it("bills low detail a flat 85 tokens whatever the size", () => {
    expect(imageTokens(4096, 4096, "low")).toBe(85);
    expect(imageTokens(10, 10, "low")).toBe(85);
  });

  it("tiles high and auto detail after fitting 2048 and scaling the shortest side to 768", () => {
    // OpenAI's worked examples: 1024×1024 → 768×768 → 4 tiles; 2048×4096 → 1024×2048 → 768×1536 → 6 tiles.
    expect(imageTokens(1024, 1024, "high")).toBe(85 + 4 * 170);
    expect(imageTokens(2048, 4096, "auto")).toBe(85 + 6 * 170);
    expect(imageTokens(512, 512, "high")).toBe(85 + 170);
    expect(imageTokens(300, 200, "auto")).toBe(85 + 170);
  });

  it("prices training tokens per million", () => {
    expect(trainingCostUsd(1_000_000)).toBe(25);
    expect(trainingCostUsd(850)).toBeCloseTo(0.02125, 8);
  });
});
