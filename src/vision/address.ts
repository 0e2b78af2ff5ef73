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

function privateIpv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  const mapped = /^::ffff:(.+)$/.exec(h)?.[1];
  if (mapped) {
    const v4 = ipv4Parts(mapped);
    if (v4) return privateIpv4(v4);
    const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(mapped);
    if (hex)
      return privateIpv4([Number.parseInt(hex[1] ?? "0", 16) >> 8, Number.parseInt(hex[1] ?? "0", 16) & 255]);
    return true;
  }
  return /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || /^ff/.test(h);
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
