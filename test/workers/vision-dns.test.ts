import { describe, expect, it } from "vitest";
import { createTenant } from "./helpers/gateway";
import { createVisionDataset, imageOrigin, validate, visionExample } from "./helpers/vision";

/** Queries the test DNS-over-HTTPS responder (VISION_DOH_URL) has answered so far. */
async function dnsQueries(): Promise<number> {
  return ((await (await fetch(`${imageOrigin}/hits/dns-query`)).json()) as { hits: number }).hits;
}

async function firstErrors(vision: Record<string, unknown>, urls: string[]) {
  const { key } = await createTenant({ vision: { fetch_timeout_ms: 2_000, ...vision } });
  const ds = await createVisionDataset(key);
  const report = await validate(
    key,
    ds,
    urls.map((u) => visionExample([u])),
  );
  return report.examples.map((e) => e.errors[0]);
}

describe("vision image hosts by DNS", () => {
  it("refuses host names that resolve to loopback, link-local or private addresses", async () => {
    const before = await dnsQueries();
    const found = await firstErrors({}, [
      "http://private.edgegate.test/img/rgb.png",
      "http://metadata.edgegate.test/latest/meta-data/",
      "http://v6-loopback.edgegate.test/a.png",
    ]);
    expect(found.map((e) => e?.code)).toEqual(Array(3).fill("image_blocked_host"));
    expect(found[0]?.message).toMatch(
      /private\.edgegate\.test resolves to 127\.0\.0\.1.*allow_private_image_hosts/,
    );
    expect(found[1]?.message).toContain("resolves to 169.254.169.254");
    expect(found[2]?.message).toContain("resolves to ::1");
    // One A and one AAAA query per host.
    expect((await dnsQueries()) - before).toBe(6);
  });

  it("lets names that resolve only to public addresses through to the download", async () => {
    const [found] = await firstErrors({}, ["http://public.edgegate.test/a.png"]);
    // The DNS check passed; the download itself cannot reach this documentation address.
    expect(["image_fetch_failed", "image_timeout"]).toContain(found?.code);
  });

  it("fails closed when a name does not resolve or the resolver fails", async () => {
    const found = await firstErrors({}, [
      "http://nowhere.edgegate.test/a.png",
      "http://broken.edgegate.test/a.png",
    ]);
    expect(found.map((e) => e?.code)).toEqual(["image_unresolved_host", "image_unresolved_host"]);
    expect(found[0]?.message).toMatch(/nowhere\.edgegate\.test does not resolve/);
    expect(found[1]?.message).toMatch(
      /could not be checked \(DNS over HTTPS: the resolver answered HTTP 500\)/,
    );
  });

  it("skips the lookup when the tenant allows private image hosts", async () => {
    const before = await dnsQueries();
    const [found] = await firstErrors({ allow_private_image_hosts: true }, [
      "http://private.edgegate.test/a.png",
    ]);
    expect(found?.code).not.toBe("image_blocked_host");
    expect(await dnsQueries()).toBe(before);
  });
});
