/**
 * SSRF guard: which image hosts may be fetched. IP literals in private, loopback, link-local,
 * carrier-grade NAT, multicast and metadata ranges are refused, and so are names that obviously
 * point inside (`localhost`, `*.internal`). The WHATWG URL parser has already normalised forms such
 * as `http://2130706433/` to `127.0.0.1`.
 */

function ipv4Parts(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function privateIpv4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 included), or null if malformed. */
function ipv6Groups(host: string): number[] | null {
  let h = host.toLowerCase();
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(h);
  if (dotted) {
    const v4 = ipv4Parts(dotted[2] ?? "");
    if (!v4) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    h = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = h.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0] ?? "");
  const tail = halves.length === 2 ? parse(halves[1] ?? "") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => Number.parseInt(g, 16));
}

/** The IPv4 address in two 16-bit groups. */
const v4Of = (hi = 0, lo = 0) => [hi >> 8, hi & 255, lo >> 8, lo & 255];

/**
 * Private, loopback, link-local, multicast, unique-local, and every form that carries an IPv4 address
 * inside (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`),
 * judged by that IPv4 address; Teredo (`2001::/32`) and local-use NAT64 (`64:ff9b:1::/48`) are refused.
 */
function privateIpv6(host: string): boolean {
  const g = ipv6Groups(host);
  if (!g) return true;
  const [g0 = 0, g1 = 0, g2 = 0, , , g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroPrefix = g.slice(0, 5).every((x) => x === 0);
  if (zeroPrefix && g5 === 0 && g6 === 0) return true; // ::, ::1 and the rest of ::/96's first block
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) return privateIpv4(v4Of(g6, g7)); // mapped, compatible
  if (g0 === 0x64 && g1 === 0xff9b) return g2 === 1 || privateIpv4(v4Of(g6, g7)); // NAT64
  if (g0 === 0x2002) return privateIpv4(v4Of(g1, g2)); // 6to4
  if (g0 === 0x2001 && g1 === 0) return true; // Teredo
  return (g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfe80 || (g0 & 0xff00) === 0xff00;
}

const INTERNAL_NAMES = /(^|\.)(localhost|internal|local|localdomain|home\.arpa)$/;

/** Why an IP address (v4 dotted or v6, no brackets) is refused, or null when it is public. */
export function refusedAddress(address: string): string | null {
  const ip = address.toLowerCase();
  const v4 = ipv4Parts(ip);
  if (v4) return privateIpv4(v4) ? `${ip} is a private, loopback or link-local address` : null;
  if (ip.includes(":")) return privateIpv6(ip) ? `${ip} is a private or loopback IPv6 address` : null;
  return `${ip} is not an IP address`;
}

/** True for an IPv4 or IPv6 literal host (which needs no DNS lookup). */
export function isIpLiteral(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return ipv4Parts(host) !== null || host.includes(":");
}

/** Why a URL's host is refused, or null when it may be fetched. */
export function refusedHost(url: URL): string | null {
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (ipv4Parts(host) || host.includes(":")) return refusedAddress(host);
  if (INTERNAL_NAMES.test(host) || !host.includes(".")) return `${host} is an internal host name`;
  return null;
}
