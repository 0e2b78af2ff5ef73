/**
 * Which addresses and host names a tenant-supplied URL may reach (see outbound-url.ts). IP literals in
 * private, loopback, link-local, carrier-grade NAT, benchmarking, multicast, reserved and unspecified
 * ranges are refused (site-local and discard-only IPv6 too), and so is every IPv6 form that carries
 * such an IPv4 address (IPv4-translated `::ffff:0:a.b.c.d` included); names that obviously point
 * inside (`localhost`, `*.internal`, one-label names) are refused before any lookup.
 * Cloud metadata endpoints are refused always, even where the operator allows private hosts. The
 * WHATWG URL parser has already normalised forms such as `http://2130706433/` and `http://0x7f.1/`
 * to `127.0.0.1`.
 */

function ipv4Parts(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function privateIpv4([a = 0, b = 0, c = 0]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && c === 0) || // IETF protocol assignments (192.0.0.192 is Oracle's metadata)
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
 * The IPv4 address an IPv6 address carries (mapped, compatible, IPv4-translated, NAT64, 6to4), or null.
 * IPv4-translated `::ffff:0:a.b.c.d` (RFC 2765 SIIT) is a stack's way to reach that IPv4 address too.
 */
function embeddedIpv4(g: number[]): number[] | null {
  const [g0 = 0, g1 = 0, g2 = 0, , g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroPrefix = g.slice(0, 5).every((x) => x === 0);
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) return v4Of(g6, g7);
  if (g.slice(0, 4).every((x) => x === 0) && g4 === 0xffff && g5 === 0) return v4Of(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b) return v4Of(g6, g7);
  if (g0 === 0x2002) return v4Of(g1, g2);
  return null;
}

/**
 * Private, loopback, link-local, site-local, multicast, unique-local, and every form that carries an
 * IPv4 address inside (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, IPv4-translated
 * `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`), judged by that IPv4 address; Teredo
 * (`2001::/32`), local-use NAT64 (`64:ff9b:1::/48`) and discard-only `100::/64` are refused.
 */
function privateIpv6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, , g5 = 0, g6 = 0] = g;
  const zeroPrefix = g.slice(0, 5).every((x) => x === 0);
  if (zeroPrefix && g5 === 0 && g6 === 0) return true; // ::, ::1 and the rest of ::/96's first block
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return true;
  const v4 = embeddedIpv4(g);
  if (v4) return privateIpv4(v4);
  if (g0 === 0x2001 && g1 === 0) return true; // Teredo
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return true; // discard-only (RFC 6666)
  return (
    (g0 & 0xfe00) === 0xfc00 || // unique-local fc00::/7
    (g0 & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (g0 & 0xffc0) === 0xfec0 || // site-local fec0::/10 (deprecated, still routed inside some networks)
    (g0 & 0xff00) === 0xff00 // multicast
  );
}

/** Cloud instance-metadata endpoints (AWS, GCP, Azure, ECS/EKS, Alibaba, Oracle). */
const METADATA_V4 = new Set([
  "169.254.169.254",
  "169.254.170.2",
  "169.254.170.23",
  "100.100.100.200",
  "192.0.0.192",
]);
const METADATA_V6 = ["fd00:ec2::254", "fd00:ec2::23"].map((a) => ipv6Groups(a)?.join(":"));
const METADATA_NAMES =
  /^(metadata|metadata\.google\.internal|metadata\.goog|instance-data|instance-data\.ec2\.internal)$/;
const INTERNAL_NAMES = /(^|\.)(localhost|internal|local|localdomain|home\.arpa)$/;

/** A host as compared here: no brackets, no trailing dot, lower case. */
export function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
}

/** True for an IPv4 or IPv6 literal host (which needs no DNS lookup). */
export function isIpLiteral(host: string): boolean {
  const h = bareHost(host);
  return ipv4Parts(h) !== null || h.includes(":");
}

/** True when an address or host name is a cloud metadata endpoint. */
export function isMetadata(host: string): boolean {
  const h = bareHost(host);
  const v4 = ipv4Parts(h);
  if (v4) return METADATA_V4.has(v4.join("."));
  const g = h.includes(":") ? ipv6Groups(h) : null;
  if (g) {
    const inner = embeddedIpv4(g);
    return (inner !== null && METADATA_V4.has(inner.join("."))) || METADATA_V6.includes(g.join(":"));
  }
  return METADATA_NAMES.test(h);
}

/** Why an IP address (v4 dotted or v6, no brackets) is refused, or null when it is public. */
export function refusedAddress(address: string): string | null {
  const ip = bareHost(address);
  if (isMetadata(ip)) return `${ip} is a cloud metadata address`;
  const v4 = ipv4Parts(ip);
  if (v4) return privateIpv4(v4) ? `${ip} is a private, loopback or link-local address` : null;
  if (ip.includes(":")) {
    const g = ipv6Groups(ip);
    return !g || privateIpv6(g) ? `${ip} is a private or loopback IPv6 address` : null;
  }
  return `${ip} is not an IP address`;
}

/** Why a URL's host is refused before any lookup (a literal address or an internal name), or null. */
export function refusedHost(url: URL): string | null {
  const host = bareHost(url.hostname);
  if (ipv4Parts(host) || host.includes(":")) return refusedAddress(host);
  if (isMetadata(host)) return `${host} is a cloud metadata host name`;
  if (INTERNAL_NAMES.test(host) || !host.includes(".")) return `${host} is an internal host name`;
  return null;
}

/** The address as bits (32 for IPv4, 128 for IPv6), for prefix comparison. */
function addressBits(address: string): { v6: boolean; bits: bigint } | null {
  const h = bareHost(address);
  const v4 = ipv4Parts(h);
  if (v4) return { v6: false, bits: v4.reduce((n, p) => (n << 8n) | BigInt(p), 0n) };
  const g = h.includes(":") ? ipv6Groups(h) : null;
  if (!g) return null;
  return { v6: true, bits: g.reduce((n, p) => (n << 16n) | BigInt(p), 0n) };
}

/** One operator entry: a CIDR (`10.0.0.0/8`, a bare address), or a host name (`*.corp.example`). */
export type AllowEntry =
  | { kind: "cidr"; v6: boolean; bits: bigint; prefix: number; port: string | null }
  | { kind: "name"; name: string; wildcard: boolean; port: string | null };

/** Parses one entry of OUTBOUND_ALLOW_PRIVATE_HOSTS, or null when it is malformed. */
export function parseAllowEntry(raw: string): AllowEntry | null {
  let entry = raw.trim().toLowerCase();
  let port: string | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  if (bracketed) {
    entry = bracketed[1] ?? "";
    port = bracketed[2] ?? null;
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    const [host = "", p = ""] = entry.split(":");
    if (!/^\d{1,5}$/.test(p)) return null;
    entry = host;
    port = p;
  }
  const [address = "", length] = entry.split("/");
  const parsed = addressBits(address);
  if (parsed) {
    const max = parsed.v6 ? 128 : 32;
    const prefix = length === undefined ? max : Number(length);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
    return { kind: "cidr", ...parsed, prefix, port };
  }
  if (length !== undefined || !/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(entry)) return null;
  const wildcard = entry.startsWith("*.");
  return { kind: "name", name: wildcard ? entry.slice(2) : entry, wildcard, port };
}

const portOf = (url: URL) => url.port || (url.protocol === "https:" ? "443" : "80");

/** True when the operator allows this address (literal or resolved) for this URL's port. */
export function addressAllowed(address: string, url: URL, entries: readonly AllowEntry[]): boolean {
  const parsed = addressBits(address);
  if (!parsed || isMetadata(address)) return false;
  return entries.some((e) => {
    if (e.kind !== "cidr" || e.v6 !== parsed.v6 || (e.port !== null && e.port !== portOf(url))) return false;
    const shift = BigInt((e.v6 ? 128 : 32) - e.prefix);
    return parsed.bits >> shift === e.bits >> shift;
  });
}

/** True when the operator allows this URL's host name (and port) without any address check. */
export function nameAllowed(url: URL, entries: readonly AllowEntry[]): boolean {
  const host = bareHost(url.hostname);
  if (isMetadata(host)) return false;
  return entries.some(
    (e) =>
      e.kind === "name" &&
      (e.port === null || e.port === portOf(url)) &&
      (host === e.name || (e.wildcard && host.endsWith(`.${e.name}`))),
  );
}
