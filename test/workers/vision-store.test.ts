import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { imageSignature, migrateKvImages } from "../../src/vision/store";
import { createTenant, gw } from "./helpers/gateway";
import { png } from "./helpers/vision-images";

async function shaOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A signed `GET /v1/images/:sha` for `tenant`, valid for an hour. */
async function signedGet(tenant: string, sha: string): Promise<Response> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const sig = await imageSignature(env.TOKEN_SECRET ?? "", tenant, sha, exp);
  return gw(`/v1/images/${sha}?t=${tenant}&exp=${exp}&sig=${sig}`);
}

/** An image as the KV store wrote it before images moved to R2. */
async function putOldWay(tenant: string, bytes: Uint8Array, sha: string) {
  const metadata = { format: "png", width: 32, height: 16, bytes: bytes.byteLength };
  await env.CACHE.put(`img:${tenant}:${sha}`, bytes, { metadata });
}

describe("the image store in R2", () => {
  it("never serves one tenant's image to another tenant naming its hash, even with a valid signature", async () => {
    const owner = await createTenant();
    const other = await createTenant();
    const bytes = png(32, 16, "rgb");
    const sha = await shaOf(bytes);
    await env.BLOBS.put(`img/${owner.id}/${sha}`, bytes, {
      customMetadata: { format: "png", width: "32", height: "16", bytes: `${bytes.byteLength}` },
    });
    const mine = await signedGet(owner.id, sha);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await mine.arrayBuffer())).toEqual(bytes);
    const theirs = await signedGet(other.id, sha);
    expect(theirs.status).toBe(404);
    expect(((await theirs.json()) as { error: { param: string } }).error.param).toBe("sha256");
  });

  it("still serves images stored in KV before, and migrateKvImages moves them to R2 and deletes the KV keys", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const first = png(32, 16, "rgb");
    const second = png(32, 16, "rgba");
    const [shaA, shaB] = [await shaOf(first), await shaOf(second)];
    await putOldWay(a.id, first, shaA);
    await putOldWay(b.id, second, shaB);
    expect(new Uint8Array(await (await signedGet(a.id, shaA)).arrayBuffer())).toEqual(first);

    let cursor: string | undefined;
    let moved = 0;
    let rounds = 0;
    for (;;) {
      const step = await migrateKvImages(env, 1, cursor);
      moved += step.moved;
      rounds++;
      cursor = step.cursor;
      if (step.done) break;
    }
    expect(moved).toBe(2);
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect((await env.CACHE.list({ prefix: "img:" })).keys).toEqual([]);
    const object = await env.BLOBS.get(`img/${b.id}/${shaB}`);
    expect(new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(second);
    expect(object?.customMetadata).toMatchObject({ format: "png", width: "32", height: "16" });
    const served = await signedGet(a.id, shaA);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(first);
    expect(await migrateKvImages(env, 10)).toEqual({ moved: 0, cursor: undefined, done: true });
  });
});
