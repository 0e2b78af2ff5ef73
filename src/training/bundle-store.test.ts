import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../platform/errors";
import { BUNDLE_RETENTION_SECONDS, r2BundleStore } from "./bundle-store";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("the R2 bundle store", () => {
  it("keeps a file within the limit under bundle/<job>/<file> and refuses one over it with a 400 naming how to shrink it", async () => {
    const store = r2BundleStore(env.BLOBS, { maxBytes: 10 });
    await store.put("job-a", "train.jsonl", bytes("0123456789"));
    expect(await store.get("job-a", "train.jsonl")).toBe("0123456789");
    expect(await (await env.BLOBS.get("bundle/job-a/train.jsonl"))?.text()).toBe("0123456789");
    const refused = await store.put("job-a", "big.jsonl", bytes("é123456789")).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ status: 400, code: "file_too_large", param: "images" });
    expect(await store.get("job-a", "big.jsonl")).toBeNull();
  });

  it("serves nothing past the retention, though R2 has the object until the lifecycle rule deletes it", async () => {
    let now = 1_000_000;
    const store = r2BundleStore(env.BLOBS, { now: () => now });
    await store.put("job-b", "manifest.json", bytes("{}"));
    now += BUNDLE_RETENTION_SECONDS;
    expect(await store.get("job-b", "manifest.json")).toBe("{}");
    now += 1;
    expect(await store.get("job-b", "manifest.json")).toBeNull();
    expect(await env.BLOBS.head("bundle/job-b/manifest.json")).not.toBeNull();
  });

  it("still reads a bundle written to KV before bundles moved to R2", async () => {
    await env.CACHE.put("training-bundle:job-c:train.jsonl", "old\n");
    expect(await r2BundleStore(env.BLOBS, { legacyKv: env.CACHE }).get("job-c", "train.jsonl")).toBe("old\n");
    expect(await r2BundleStore(env.BLOBS).get("job-c", "train.jsonl")).toBeNull();
  });
});
