import { describe, expect, it } from "vitest";
import { isMetadata, parseAllowEntry } from "./outbound-address";
import { checkOutboundUrl, outboundPolicy, parseAllowList, parseOutboundUrl } from "./outbound-url";

/** A resolver that is never reached: every URL here is an IP literal or an allowed name. */
const NO_DNS = "http://dns.invalid/dns-query";
const check = (url: string, allow = "", allowAllPrivate = false) =>
  checkOutboundUrl(
    url,
    outboundPolicy({ OUTBOUND_DOH_URL: NO_DNS, OUTBOUND_ALLOW_PRIVATE_HOSTS: allow }, { allowAllPrivate }),
    AbortSignal.timeout(1_000),
  );

describe("parseOutboundUrl", () => {
  const policy = outboundPolicy({});
  it.each([
    ["file:///etc/passwd", /only http and https/],
    ["http://user:pw@example.com/", /user name or password/],
    ["http://user@example.com/", /user name or password/],
    ["not a url", /not a valid URL/],
  ])("refuses %s", (url, message) => {
    expect(parseOutboundUrl(url, policy)).toMatchObject({ ok: false, code: "invalid_url", message });
  });

  it("requires https where the kind asks for it", () => {
    const httpsOnly = outboundPolicy({}, { httpsOnly: true });
    expect(parseOutboundUrl("http://example.com/", httpsOnly)).toMatchObject({ code: "invalid_url" });
    expect(parseOutboundUrl("https://example.com/", httpsOnly)).toBeInstanceOf(URL);
  });
});

describe("OUTBOUND_ALLOW_PRIVATE_HOSTS", () => {
  it("parses names, wildcards, addresses, CIDRs and ports, and ignores malformed entries", () => {
    expect(parseAllowEntry("tools.corp.example")).toMatchObject({ kind: "name", wildcard: false });
    expect(parseAllowEntry("*.corp.example:8443")).toMatchObject({
      kind: "name",
      wildcard: true,
      port: "8443",
    });
    expect(parseAllowEntry("10.0.0.0/8")).toMatchObject({ kind: "cidr", prefix: 8, port: null });
    expect(parseAllowEntry("127.0.0.1:9")).toMatchObject({ kind: "cidr", prefix: 32, port: "9" });
    expect(parseAllowEntry("[fd12::/16]:80")).toMatchObject({
      kind: "cidr",
      v6: true,
      prefix: 16,
      port: "80",
    });
    expect(parseAllowEntry("fd12::1")).toMatchObject({ kind: "cidr", v6: true, prefix: 128 });
    expect(parseAllowList("10.0.0.0/33, bad host, , ok.example")).toHaveLength(1);
  });

  it("allows listed private addresses and names, only on the listed port", async () => {
    expect(await check("http://10.1.2.3/", "10.0.0.0/8")).toMatchObject({ ok: true });
    expect(await check("http://[fd12::5]/", "[fd12::/16]")).toMatchObject({ ok: true });
    expect(await check("http://127.0.0.1:9/x", "127.0.0.1:9")).toMatchObject({ ok: true });
    expect(await check("http://127.0.0.1:8080/x", "127.0.0.1:9")).toMatchObject({ code: "blocked_host" });
    expect(await check("http://11.0.0.1.internal/", "*.internal")).toMatchObject({ ok: true });
    expect(await check("http://localhost:8787/", "localhost:8787")).toMatchObject({ ok: true });
    expect(await check("http://localhost/", "localhost:8787")).toMatchObject({ code: "blocked_host" });
    expect(await check("http://192.168.1.1/", "10.0.0.0/8")).toMatchObject({ code: "blocked_host" });
  });

  it("says when only the allow-list let a host through (what a console key may not register)", async () => {
    expect(await check("http://10.1.2.3/", "10.0.0.0/8")).toMatchObject({
      ok: true,
      privateHost: expect.stringContaining("10.1.2.3"),
    });
    expect(await check("http://tools.corp.example/", "tools.corp.example")).toMatchObject({
      ok: true,
      privateHost: expect.stringContaining("listed"),
    });
    expect(await check("http://192.0.2.1/", "10.0.0.0/8")).toMatchObject({ ok: true, privateHost: null });
  });

  it("never allows cloud metadata endpoints, whatever is listed", async () => {
    for (const url of [
      "http://169.254.169.254/latest/meta-data/",
      "http://[::ffff:169.254.169.254]/",
      "http://[::ffff:0:a9fe:a9fe]/",
      "http://[fd00:ec2::254]/",
      "http://metadata.google.internal/",
    ]) {
      expect(await check(url, "0.0.0.0/0,[::/0],*.internal,169.254.169.254", true), url).toMatchObject({
        code: "blocked_host",
      });
    }
    expect(isMetadata("100.100.100.200")).toBe(true);
    expect(isMetadata("8.8.8.8")).toBe(false);
    expect(isMetadata("::ffff:0:a9fe:a9fe")).toBe(true);
    expect(isMetadata("::ffff:0:808:808")).toBe(false);
  });

  it("lets a tenant-wide private switch (vision's) through without lookups, metadata aside", async () => {
    expect(await check("http://10.0.0.1/", "", true)).toMatchObject({ ok: true });
    expect(await check("http://some.name.example/", "", true)).toMatchObject({ ok: true });
  });
});
