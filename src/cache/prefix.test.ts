import { describe, expect, it } from "vitest";
import { sha256Hex } from "../identity/crypto";
import { derivePromptCacheKey, keptPrefixes } from "./prefix";

const chat = (system: string, user: string) => ({
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: system },
    { role: "user", content: user },
  ],
});

describe("derived prompt_cache_key", () => {
  it("is the hash of tenant and stable prefix, the same when the isolate already knows it", async () => {
    const expected = `eg-${(await sha256Hex(`ten_a\n${JSON.stringify(["gpt-4o-mini", null, null, [{ role: "system", content: "Be brief." }]])}`)).slice(0, 40)}`;
    expect(await derivePromptCacheKey("chat", "ten_a", chat("Be brief.", "one"))).toBe(expected);
    // Same prefix, another conversation: the kept key, unchanged.
    expect(await derivePromptCacheKey("chat", "ten_a", chat("Be brief.", "two"))).toBe(expected);
  });

  it("differs between tenants and prefixes, also for prefixes too long to keep", async () => {
    const long = "x".repeat(20_000);
    const keys = [
      await derivePromptCacheKey("chat", "ten_a", chat("Be brief.", "q")),
      await derivePromptCacheKey("chat", "ten_b", chat("Be brief.", "q")),
      await derivePromptCacheKey("chat", "ten_a", chat("Be verbose.", "q")),
      await derivePromptCacheKey("chat", "ten_a", chat(long, "q")),
      await derivePromptCacheKey("chat", "ten_a", chat(`${long}y`, "q")),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(await derivePromptCacheKey("chat", "ten_a", chat(long, "another"))).toBe(keys[3]);
  });

  it("keeps at most 1,000 prefixes and 1 M characters of them, dropping the oldest", async () => {
    for (let i = 0; i < 80; i++)
      await derivePromptCacheKey("chat", "ten_big", chat(`${i} ${"y".repeat(15_000)}`, "q"));
    expect(keptPrefixes().chars).toBeLessThanOrEqual(1_000_000);
    expect(keptPrefixes().chars).toBeGreaterThan(900_000);
    for (let i = 0; i < 1_100; i++) await derivePromptCacheKey("chat", "ten_many", chat(`prompt ${i}`, "q"));
    expect(keptPrefixes().entries).toBe(1_000);
  });
});
