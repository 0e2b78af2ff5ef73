import { describe, expect, it } from "vitest";
import { keyHint, openKey, sealKey } from "./keys";

const env = { PROVIDER_KEYS_SECRET: "unit-test-provider-keys-secret" };
const KEY = "sk-live-0123456789abcdefXYZW";

describe("provider keys at rest", () => {
  it("seals a key so the ciphertext holds no part of it, and opens it again", async () => {
    const sealed = await sealKey(env, "ten_a", "lab", KEY);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(KEY.slice(3, 12));
    expect(await openKey(env, "ten_a", "lab", sealed)).toBe(KEY);
  });

  it("does not open a key moved to another tenant or provider, or under another secret", async () => {
    const sealed = await sealKey(env, "ten_a", "lab", KEY);
    await expect(openKey(env, "ten_b", "lab", sealed)).rejects.toThrow(/cannot be read/);
    await expect(openKey(env, "ten_a", "other", sealed)).rejects.toThrow(/cannot be read/);
    await expect(openKey({ PROVIDER_KEYS_SECRET: "rotated" }, "ten_a", "lab", sealed)).rejects.toThrow(
      /cannot be read/,
    );
  });

  it("refuses to store keys without PROVIDER_KEYS_SECRET", async () => {
    await expect(sealKey({}, "ten_a", "lab", KEY)).rejects.toThrow(/PROVIDER_KEYS_SECRET/);
  });

  it("hints at a key with its first 3 and last 4 characters only", () => {
    expect(keyHint(KEY)).toBe("sk-…XYZW");
    expect(keyHint("short-key")).toBe("****");
  });
});
