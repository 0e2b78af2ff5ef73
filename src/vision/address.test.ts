import { describe, expect, it } from "vitest";
import { refusedHost } from "./address";

const refused = (url: string) => refusedHost(new URL(url)) !== null;

describe("refusedHost", () => {
  const REFUSED = [
    "http://127.0.0.1/a.png",
    "http://2130706433/a.png",
    "http://0x7f.1/a.png",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[64:ff9b:1::1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:c0a8:101::1]/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "http://[ff02::1]/",
    // IPv4-translated (::ffff:0:0/96), site-local (fec0::/10) and discard-only (100::/64).
    "http://[::ffff:0:7f00:1]/",
    "http://[::ffff:0:a9fe:a9fe]/",
    "http://[::ffff:0:a00:1]/",
    "http://[fec0::1]/",
    "http://[feff::1]/",
    "http://[100::1]/",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://metadata.google.internal/",
    "http://intranet/",
  ];
  const ALLOWED = [
    "https://example.com/a.png",
    "http://8.8.8.8/",
    "http://172.32.0.1/",
    "http://[2606:4700::1111]/",
    "http://[64:ff9b::808:808]/",
    "http://[2002:808:808::1]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[::ffff:0:808:808]/",
    "http://[100:0:0:1::1]/",
  ];

  it.each(REFUSED)("refuses %s", (url) => {
    expect(refused(url)).toBe(true);
  });

  it.each(ALLOWED)("allows %s", (url) => {
    expect(refused(url)).toBe(false);
  });
});
