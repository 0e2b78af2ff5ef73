/**
 * Host names that resolve inside. Workers have no DNS API, so before an image host is fetched its
 * A and AAAA records are looked up over DNS-over-HTTPS (JSON API; VISION_DOH_URL, Cloudflare's
 * resolver by default), and the fetch is refused if any address is private, loopback or link-local.
 *
 * Residual risk, by construction: `fetch()` resolves the name again on its own, so a host whose DNS
 * answers differently to the two lookups (DNS rebinding, a very short TTL) can still pass this check
 * and be fetched at another address. The check stops names that simply point inside (a public name
 * for 127.0.0.1 or a metadata address); it is not a pinned connection.
 * @see https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/
 */
import { refusedAddress } from "./address";

export const DEFAULT_DOH_URL = "https://cloudflare-dns.com/dns-query";

const RECORD_TYPES = { A: 1, AAAA: 28 } as const;

interface DohAnswer {
  Status?: number;
  Answer?: { type?: number; data?: string }[];
}

export type HostCheck =
  | { ok: true }
  | { ok: false; code: "blocked_host" | "unresolved_host"; message: string };

async function lookup(dohUrl: string, host: string, type: keyof typeof RECORD_TYPES, signal: AbortSignal) {
  const url = new URL(dohUrl);
  url.searchParams.set("name", host);
  url.searchParams.set("type", type);
  const res = await fetch(url, { headers: { accept: "application/dns-json" }, signal });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`the resolver answered HTTP ${res.status}`);
  }
  const body = (await res.json()) as DohAnswer;
  // NXDOMAIN (3) and NOERROR without records both mean: no address of this type.
  if (body.Status !== 0 && body.Status !== 3) throw new Error(`the resolver answered status ${body.Status}`);
  return (body.Answer ?? [])
    .filter((a) => a.type === RECORD_TYPES[type] && typeof a.data === "string")
    .map((a) => a.data as string);
}

/** Whether `host` (a name, not an IP literal) resolves only to public addresses. Fails closed. */
export async function checkResolvedHost(
  host: string,
  dohUrl: string,
  signal: AbortSignal,
): Promise<HostCheck> {
  let addresses: string[];
  try {
    const [v4, v6] = await Promise.all([
      lookup(dohUrl, host, "A", signal),
      lookup(dohUrl, host, "AAAA", signal),
    ]);
    addresses = [...v4, ...v6];
  } catch (err) {
    if (signal.aborted) throw err;
    const why = err instanceof Error ? err.message : "network error";
    return {
      ok: false,
      code: "unresolved_host",
      message: `the address of ${host} could not be checked (DNS over HTTPS: ${why}); try again later`,
    };
  }
  if (addresses.length === 0) {
    return { ok: false, code: "unresolved_host", message: `${host} does not resolve to any address` };
  }
  for (const address of addresses) {
    const refused = refusedAddress(address);
    if (refused) {
      return {
        ok: false,
        code: "blocked_host",
        message: `${host} resolves to ${address}: ${refused}; images must be on a public host (or enable vision.allow_private_image_hosts)`,
      };
    }
  }
  return { ok: true };
}
