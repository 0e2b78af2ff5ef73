import { describe, expect, it } from "vitest";
import type { AliasRow } from "./repository";
import { bucketOf, chooseRoute } from "./route";

const alias = (percent: number): AliasRow => ({
  tenant_id: "ten_1",
  alias: "support",
  model: "gpt-4o",
  canary_model: "ft:gpt-4o-mini:acme:distill:1",
  canary_percent: percent,
  promoted_eval_id: null,
  updated_at: 0,
});

describe("canary routing", () => {
  it("sends the configured share of 10,000 users to the canary, within 2 points", async () => {
    for (const percent of [5, 20, 50]) {
      let canary = 0;
      for (let i = 0; i < 10_000; i++) {
        if ((await chooseRoute("ten_1", alias(percent), `user-${i}`)).route === "canary") canary++;
      }
      expect(Math.abs(canary / 100 - percent)).toBeLessThanOrEqual(2);
    }
  });

  it("keeps each user on the same route", async () => {
    const first = await bucketOf("ten_1", "support", "user-42");
    expect(await bucketOf("ten_1", "support", "user-42")).toBe(first);
    expect((await chooseRoute("ten_1", alias(0), "user-42")).route).toBe("primary");
    expect((await chooseRoute("ten_1", alias(100), "user-42")).route).toBe("canary");
  });
});
