import { describe, expect, it } from "vitest";
import { GatewayError } from "../platform/errors";
import { kvBundleStore } from "./bundle-store";

/** A KV namespace that keeps values in a map (the store's only calls are put and get). */
function memoryKv(): KVNamespace {
  const values = new Map<string, string>();
  return {
    put: async (key: string, value: string) => {
      values.set(key, value);
    },
    get: async (key: string) => values.get(key) ?? null,
  } as unknown as KVNamespace;
}

describe("the KV bundle store", () => {
  it("keeps a file within the limit and refuses one over it with a 400 naming how to shrink it", async () => {
    const store = kvBundleStore(memoryKv(), 10);
    await store.put("job", "train.jsonl", "0123456789");
    expect(await store.get("job", "train.jsonl")).toBe("0123456789");
    const refused = await store.put("job", "big.jsonl", "é123456789").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ status: 400, code: "file_too_large", param: "images" });
    expect(await store.get("job", "big.jsonl")).toBeNull();
  });
});
