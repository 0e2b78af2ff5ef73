import { describe, expect, it } from "vitest";
import { createTenant } from "./helpers/gateway";
import { createVisionDataset, imageOrigin, img, validate, visionExample } from "./helpers/vision";

async function setup(vision: Record<string, unknown>) {
  const { key } = await createTenant({ vision });
  return { key, ds: await createVisionDataset(key) };
}

async function codesFor(vision: Record<string, unknown>, urls: string[]): Promise<string[]> {
  const { key, ds } = await setup(vision);
  const report = await validate(
    key,
    ds,
    urls.map((u) => visionExample([u])),
  );
  return report.examples.map((e) => e.errors[0]?.code ?? "ok");
}

describe("vision image fetching", () => {
  it("refuses loopback, private, link-local and metadata hosts unless the tenant allows private hosts", async () => {
    const urls = [
      img("rgb.png"),
      "http://localhost/a.png",
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.7/a.png",
      "http://[::1]/a.png",
      "http://2130706433/a.png",
    ];
    expect(await codesFor({}, urls)).toEqual(Array(urls.length).fill("image_blocked_host"));
    expect(await codesFor({ allow_private_image_hosts: true }, [img("rgb.png")])).toEqual(["ok"]);
  });

  it("accepts only http, https and base64 data URLs", async () => {
    const urls = ["file:///etc/passwd", "ftp://example.com/a.png", "data:image/png,rawbytes"];
    expect(await codesFor({ allow_private_image_hosts: true }, urls)).toEqual(
      Array(3).fill("image_unsupported_url"),
    );
  });

  it("follows redirects up to the limit and checks every hop again", async () => {
    const vision = { allow_private_image_hosts: true, max_redirects: 2 };
    const urls = [
      `${imageOrigin}/redirect/2/rgb.png`,
      `${imageOrigin}/redirect/3/rgb.png`,
      `${imageOrigin}/redirect-to?location=${encodeURIComponent("file:///etc/passwd")}`,
    ];
    expect(await codesFor(vision, urls)).toEqual(["ok", "image_too_many_redirects", "image_unsupported_url"]);
  });

  it("gives up on slow images after the tenant's timeout and reports HTTP errors", async () => {
    const vision = { allow_private_image_hosts: true, fetch_timeout_ms: 200 };
    const started = Date.now();
    const urls = [`${imageOrigin}/slow/rgb.png`, `${imageOrigin}/status/404`];
    expect(await codesFor(vision, urls)).toEqual(["image_timeout", "image_fetch_failed"]);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("downloads an image used many times once per validation", async () => {
    const { key, ds } = await setup({ allow_private_image_hosts: true });
    const url = `${imageOrigin}/gen/${Date.now()}.png`;
    await validate(key, ds, [visionExample([url, url]), visionExample([url])]);
    const hits = (await (await fetch(`${imageOrigin}/hits${new URL(url).pathname}`)).json()) as {
      hits: number;
    };
    expect(hits.hits).toBe(1);
  });
});
