import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { loadImage } from "../../src/vision/fetch-image";
import { visionLimits } from "../../src/vision/settings";
import { createTenant } from "./helpers/gateway";
import { createVisionDataset, imageOrigin, validate, visionExample } from "./helpers/vision";

/**
 * This file's host names: one label below the test resolver's fixed names, which they answer as, so
 * the queries counted here are this file's alone (other files run at the same time).
 */
const LABEL = `f${crypto.randomUUID().slice(0, 8)}`;
const HOSTS = ["private", "metadata", "v6-loopback", "public", "nowhere", "broken"].map(
  (name) => `${LABEL}.${name}.edgegate.test`,
);
const [PRIVATE, METADATA, V6_LOOPBACK, PUBLIC, NOWHERE, BROKEN] = HOSTS;

/** Queries the test DNS-over-HTTPS responder (OUTBOUND_DOH_URL) has answered so far for this file's names. */
async function dnsQueries(): Promise<number> {
  let total = 0;
  for (const host of HOSTS) {
    total += ((await (await fetch(`${imageOrigin}/hits/dns-query/${host}`)).json()) as { hits: number }).hits;
  }
  return total;
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
      `http://${PRIVATE}/img/rgb.png`,
      `http://${METADATA}/latest/meta-data/`,
      `http://${V6_LOOPBACK}/a.png`,
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
    const [found] = await firstErrors({}, [`http://${PUBLIC}/a.png`]);
    // The DNS check passed; the download itself cannot reach this documentation address.
    expect(["image_fetch_failed", "image_timeout"]).toContain(found?.code);
  });

  it("fails closed when a name does not resolve or the resolver fails", async () => {
    const found = await firstErrors({}, [`http://${NOWHERE}/a.png`, `http://${BROKEN}/a.png`]);
    expect(found.map((e) => e?.code)).toEqual(["image_unresolved_host", "image_unresolved_host"]);
    expect(found[0]?.message).toMatch(/nowhere\.edgegate\.test does not resolve/);
    expect(found[1]?.message).toMatch(
      /could not be checked \(DNS over HTTPS: the resolver answered HTTP 500\)/,
    );
  });

  it("skips the lookup when the tenant allows private image hosts", async () => {
    const before = await dnsQueries();
    const [found] = await firstErrors({ allow_private_image_hosts: true }, [`http://${PRIVATE}/a.png`]);
    expect(found?.code).not.toBe("image_blocked_host");
    expect(await dnsQueries()).toBe(before);
  });
});

describe("vision redirect hops", () => {
  /**
   * The first hop is a public name (the test resolver says so) that workerd cannot reach offline, so
   * its answer is stubbed: a redirect to `location`. Every other request (the resolver's) goes out.
   */
  async function redirectedTo(location: string) {
    const realFetch = globalThis.fetch;
    const asked: string[] = [];
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.hostname === PUBLIC)
        return Promise.resolve(new Response(null, { status: 302, headers: { location } }));
      if (!url.pathname.startsWith("/dns-query")) asked.push(url.href);
      return realFetch(input, init);
    });
    try {
      const result = await loadImage(`http://${PUBLIC}/a.png`, visionLimits(undefined, env));
      return { result, downloads: asked };
    } finally {
      spy.mockRestore();
    }
  }

  it("checks the host of every redirect hop: a public name that redirects to a private one is refused", async () => {
    const before = await dnsQueries();
    const { result, downloads } = await redirectedTo(`http://${PRIVATE}/img/rgb.png`);
    expect(result).toMatchObject({ code: "blocked_host" });
    expect("message" in result ? result.message : "").toMatch(
      /private\.edgegate\.test resolves to 127\.0\.0\.1/,
    );
    // Both names were looked up (A and AAAA each), and the private one was never downloaded.
    expect((await dnsQueries()) - before).toBe(4);
    expect(downloads).toEqual([]);
  });

  it("refuses a redirect to a private address literal, which needs no lookup", async () => {
    const before = await dnsQueries();
    const { result, downloads } = await redirectedTo(`${imageOrigin}/img/rgb.png`);
    expect(result).toMatchObject({ code: "blocked_host" });
    expect(downloads).toEqual([]);
    // Only the first hop's name was looked up (A and AAAA).
    expect((await dnsQueries()) - before).toBe(2);
  });
});
