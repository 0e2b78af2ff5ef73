/**
 * Host names that resolve inside. Workers have no DNS API, so before a tenant-supplied host is
 * fetched its A and AAAA records are looked up over DNS-over-HTTPS (JSON API; OUTBOUND_DOH_URL,
 * Cloudflare's resolver by default), and outbound-url.ts refuses it if any address is not allowed.
 *
 * Residual risk, by construction: `fetch()` resolves the name again on its own, so a host whose DNS
 * answers differently to the two lookups (DNS rebinding, a very short TTL) can still pass this check
 * and be fetched at another address. The check stops names that simply point inside (a public name
 * for 127.0.0.1 or a metadata address); it is not a pinned connection.
 * @see https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/
 */

export const DEFAULT_DOH_URL = "https://cloudflare-dns.com/dns-query";

/**
 * The Worker variables the outbound guard (outbound-url.ts) reads; declared here, apart from the guard,
 * so that the settings schemas load without the Workers runtime (the console's types import them).
 */
export interface OutboundEnv {
  /** DNS-over-HTTPS JSON endpoint (Cloudflare's by default). */
  OUTBOUND_DOH_URL?: string;
  /** Older name of OUTBOUND_DOH_URL, still read when it is unset. */
  VISION_DOH_URL?: string;
  /** Private hosts the operator allows (see the module comment). */
  OUTBOUND_ALLOW_PRIVATE_HOSTS?: string;
}

/** The resolver in force: OUTBOUND_DOH_URL, else VISION_DOH_URL, else Cloudflare's. */
export function outboundDohUrl(env: OutboundEnv): string {
  return env.OUTBOUND_DOH_URL || env.VISION_DOH_URL || DEFAULT_DOH_URL;
}

const RECORD_TYPES = { A: 1, AAAA: 28 } as const;

interface DohAnswer {
  Status?: number;
  Answer?: { type?: number; data?: string }[];
}

export type Resolution = { ok: true; addresses: string[] } | { ok: false; message: string };

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

/**
 * Every A and AAAA address of `host` (a name, not an IP literal). Fails closed: a resolver error or
 * a name without addresses is a failure, never an empty success. Rejects only when `signal` aborts.
 */
export async function resolveHost(host: string, dohUrl: string, signal: AbortSignal): Promise<Resolution> {
  try {
    const [v4, v6] = await Promise.all([
      lookup(dohUrl, host, "A", signal),
      lookup(dohUrl, host, "AAAA", signal),
    ]);
    const addresses = [...v4, ...v6];
    if (addresses.length === 0) return { ok: false, message: `${host} does not resolve to any address` };
    return { ok: true, addresses };
  } catch (err) {
    if (signal.aborted) throw err;
    const why = err instanceof Error ? err.message : "network error";
    return {
      ok: false,
      message: `the address of ${host} could not be checked (DNS over HTTPS: ${why}); try again later`,
    };
  }
}
