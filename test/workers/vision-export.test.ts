import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { imageSignature } from "../../src/vision/store";
import { createTenant, gw, jsonInit } from "./helpers/gateway";
import { auth, createVisionDataset, img, visionExample } from "./helpers/vision";
import { jpeg, png, toBase64, webpExtended } from "./helpers/vision-images";

type Line = {
  messages: { role: string; content: string | { type: string; image_url?: { url: string } }[] }[];
};

const FIXTURES = {
  "rgb.png": png(64, 48, "rgb"),
  "rgb.jpg": jpeg(1024, 768, 3),
  "alpha.webp": webpExtended(200, 100, true),
};

async function datasetWith(examples: unknown[]) {
  const { key, id } = await createTenant({ vision: { allow_private_image_hosts: true } });
  const ds = await createVisionDataset(key);
  const res = await gw(`/v1/datasets/${ds}/examples`, jsonInit("POST", { examples }, auth(key)));
  expect(res.status).toBe(200);
  return { key, ds, tenant: id };
}

const exportOf = (key: string, ds: string, query: string) =>
  gw(`/v1/datasets/${ds}/export?${query}`, { headers: auth(key) });

function imageUrls(text: string): string[] {
  const lines = text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  return lines.flatMap((l) =>
    l.messages.flatMap((m) =>
      Array.isArray(m.content) ? m.content.flatMap((p) => (p.image_url ? [p.image_url.url] : [])) : [],
    ),
  );
}

const names = Object.keys(FIXTURES) as (keyof typeof FIXTURES)[];
const tenValid = () =>
  Array.from({ length: 10 }, (_, i) =>
    visionExample([img(names[i % 3] ?? "rgb.png")], undefined, `answer ${i}`),
  );

describe("vision export", () => {
  it("round-trips images inline as data URLs with the real media type and the same bytes", async () => {
    const { key, ds } = await datasetWith(tenValid());
    const res = await exportOf(key, ds, "images=inline");
    expect(res.status).toBe(200);
    const urls = imageUrls(await res.text());
    expect(urls).toHaveLength(10);
    const mimes = { "rgb.png": "image/png", "rgb.jpg": "image/jpeg", "alpha.webp": "image/webp" };
    for (const name of names) {
      expect(urls).toContain(`data:${mimes[name]};base64,${toBase64(FIXTURES[name])}`);
    }
  });

  it("stores an image again when the store lost it, instead of exporting without it", async () => {
    const { key, ds, tenant } = await datasetWith(tenValid());
    expect((await exportOf(key, ds, "images=inline")).status).toBe(200);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", FIXTURES["rgb.png"]));
    const sha = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    await env.BLOBS.delete(`img/${tenant}/${sha}`);
    const urls = imageUrls(await (await exportOf(key, ds, "images=inline")).text());
    expect(urls).toContain(`data:image/png;base64,${toBase64(FIXTURES["rgb.png"])}`);
    expect(await env.BLOBS.head(`img/${tenant}/${sha}`)).not.toBeNull();
  });

  it("refuses an invalid dataset with the report, or leaves invalid examples out with skip_invalid", async () => {
    const bad = visionExample([img("cmyk.jpg")], undefined, "bad one");
    const { key, ds } = await datasetWith([...tenValid(), bad]);
    const refused = await exportOf(key, ds, "images=inline");
    expect(refused.status).toBe(422);
    const body = (await refused.json()) as {
      error: { code: string; type: string; param: string };
      report: { examples: { index: number; errors: { code: string; path: string }[] }[] };
    };
    expect(body.error).toMatchObject({
      code: "invalid_dataset",
      type: "invalid_request_error",
      param: "dataset_id",
    });
    expect(body.report.examples).toEqual([
      expect.objectContaining({
        errors: [expect.objectContaining({ code: "image_cmyk", path: "messages[0].content[1]" })],
      }),
    ]);
    const skipped = await exportOf(key, ds, "images=inline&skip_invalid=true");
    expect(skipped.status).toBe(200);
    const text = await skipped.text();
    expect(text.trim().split("\n")).toHaveLength(10);
    expect(text).not.toContain("bad one");
  });

  it("writes signed expiring Edgegate URLs that serve the stored image without an API key", async () => {
    const { key, ds, tenant } = await datasetWith(tenValid());
    const urls = imageUrls(await (await exportOf(key, ds, "images=url")).text());
    const pngUrl = urls.find((u) => u.includes("/v1/images/")) ?? "";
    expect(pngUrl).toMatch(/^https:\/\/gateway\.test\/v1\/images\/[0-9a-f]{64}\?t=ten_\w+&exp=\d+&sig=/);
    const served = await Promise.all(
      urls.slice(0, 3).map((u) => gw(new URL(u).pathname + new URL(u).search)),
    );
    const types = served.map((r) => r.headers.get("content-type"));
    expect(new Set(types)).toEqual(new Set(["image/png", "image/jpeg", "image/webp"]));
    const first = served[types.indexOf("image/png")];
    expect(new Uint8Array(await (first ?? new Response()).arrayBuffer())).toEqual(FIXTURES["rgb.png"]);
    const u = new URL(pngUrl);
    const q = (t: string, exp: string | number, sig: string) => `${u.pathname}?t=${t}&exp=${exp}&sig=${sig}`;
    const tampered = await gw(q(tenant, u.searchParams.get("exp") ?? "", "A".repeat(43)));
    expect(tampered.status).toBe(403);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe("invalid_signature");
    const sig = u.searchParams.get("sig") ?? "";
    const later = await gw(q(tenant, Number(u.searchParams.get("exp")) + 1, sig));
    expect(later.status).toBe(403);
    // The signature covers the tenant: another tenant's store cannot be named with it.
    const other = await createTenant();
    expect((await gw(q(other.id, u.searchParams.get("exp") ?? "", sig))).status).toBe(403);
    const sha = u.pathname.split("/").pop() ?? "";
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = await gw(
      q(tenant, past, await imageSignature(env.TOKEN_SECRET ?? "", tenant, sha, past)),
    );
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe("url_expired");
    const badSha = await gw("/v1/images/not-a-sha?t=x&exp=1&sig=x");
    expect(badSha.status).toBe(400);
  });

  it("documents the image route in /openapi.json", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain("/v1/images/{sha256}");
  });
});
