/**
 * The one guard for every URL a tenant supplies and the gateway then fetches (server-side Realtime
 * tools, the fine-tuning `base_url`, image URLs): http(s) only, no user name or password, the host
 * name resolved over DNS-over-HTTPS (outbound-dns.ts) and refused when ANY address is private,
 * loopback, link-local, CGNAT, multicast, unspecified, an IPv6 form carrying such an IPv4 address, or
 * a cloud metadata endpoint (outbound-address.ts). `guardedFetch` never follows redirects on its own:
 * each hop is checked again before it is requested, and a refused hop is never contacted.
 *
 * The operator allows private hosts with `OUTBOUND_ALLOW_PRIVATE_HOSTS`: a comma list of host names
 * (`tools.corp.example`, `*.corp.example`), addresses and CIDRs (`10.1.2.3`, `10.0.0.0/8`,
 * `[fd12::/16]`), each optionally with `:port`. Metadata endpoints are never allowed.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError } from "./errors";
import {
  type AllowEntry,
  addressAllowed,
  bareHost,
  isIpLiteral,
  isMetadata,
  nameAllowed,
  parseAllowEntry,
  refusedAddress,
  refusedHost,
} from "./outbound-address";
import { type OutboundEnv, outboundDohUrl, resolveHost } from "./outbound-dns";

export { type OutboundEnv, outboundDohUrl } from "./outbound-dns";

/** What one URL kind may reach. */
export interface OutboundPolicy {
  dohUrl: string;
  allow: readonly AllowEntry[];
  /** Every private host allowed, without lookups (`vision.allow_private_image_hosts`); never metadata. */
  allowAllPrivate: boolean;
  httpsOnly: boolean;
}

export type OutboundRefusal = {
  ok: false;
  code: "invalid_url" | "blocked_host" | "unresolved_host" | "too_many_redirects";
  message: string;
};

/** Parses OUTBOUND_ALLOW_PRIVATE_HOSTS; malformed entries are ignored (they allow nothing). */
export function parseAllowList(raw: string | undefined): AllowEntry[] {
  return (raw ?? "")
    .split(",")
    .filter((entry) => entry.trim() !== "")
    .map(parseAllowEntry)
    .filter((entry): entry is AllowEntry => entry !== null);
}

export function outboundPolicy(
  env: OutboundEnv,
  options: { allowAllPrivate?: boolean; httpsOnly?: boolean } = {},
): OutboundPolicy {
  return {
    dohUrl: outboundDohUrl(env),
    allow: parseAllowList(env.OUTBOUND_ALLOW_PRIVATE_HOSTS),
    allowAllPrivate: options.allowAllPrivate ?? false,
    httpsOnly: options.httpsOnly ?? false,
  };
}

const refuse = (code: OutboundRefusal["code"], message: string): OutboundRefusal => ({
  ok: false,
  code,
  message,
});

/** The URL when its form is acceptable (scheme, no credentials), before any host check. */
export function parseOutboundUrl(raw: string | URL, policy: OutboundPolicy): URL | OutboundRefusal {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("invalid_url", "is not a valid URL");
  }
  const schemes = policy.httpsOnly ? ["https:"] : ["http:", "https:"];
  if (!schemes.includes(url.protocol)) {
    const accepted = policy.httpsOnly ? "https" : "http and https";
    return refuse("invalid_url", `only ${accepted} URLs are accepted, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    return refuse("invalid_url", "must not contain a user name or password");
  }
  return url;
}

/**
 * A host that may be reached. `privateHost` says why it would have been refused but for the operator's
 * OUTBOUND_ALLOW_PRIVATE_HOSTS (a listed name, or a private address written or resolved), else null;
 * null too under `allowAllPrivate`, which looks nothing up.
 */
type HostPassed = { ok: true; privateHost: string | null };

const passed = (privateHost: string | null): HostPassed => ({ ok: true, privateHost });

/** Whether the host of an acceptable URL may be reached; resolves names. Rejects only when `signal` aborts. */
async function checkHost(
  url: URL,
  policy: OutboundPolicy,
  signal: AbortSignal,
): Promise<OutboundRefusal | HostPassed> {
  const host = bareHost(url.hostname);
  if (isMetadata(host)) return refuse("blocked_host", `${host} is a cloud metadata endpoint`);
  if (policy.allowAllPrivate) return passed(null);
  // A listed name is private by the operator's word, whatever public DNS says of it.
  if (nameAllowed(url, policy.allow)) return passed(`${host} is listed in OUTBOUND_ALLOW_PRIVATE_HOSTS`);
  if (isIpLiteral(host)) {
    const refused = refusedAddress(host);
    if (!refused) return passed(null);
    return addressAllowed(host, url, policy.allow) ? passed(refused) : refuse("blocked_host", refused);
  }
  const inside = refusedHost(url);
  if (inside) return refuse("blocked_host", inside);
  const resolved = await resolveHost(host, policy.dohUrl, signal);
  if (!resolved.ok) return refuse("unresolved_host", resolved.message);
  let privateHost: string | null = null;
  for (const address of resolved.addresses) {
    const refused = refusedAddress(address);
    if (!refused) continue;
    const why = `${host} resolves to ${address}: ${refused}`;
    if (!addressAllowed(address, url, policy.allow)) return refuse("blocked_host", why);
    privateHost ??= why;
  }
  return passed(privateHost);
}

/**
 * The URL when it may be fetched (with `privateHost`: why only the operator's allow-list lets it
 * through, else null), or why not. Rejects only when `signal` aborts.
 */
export async function checkOutboundUrl(
  raw: string | URL,
  policy: OutboundPolicy,
  signal: AbortSignal,
): Promise<{ ok: true; url: URL; privateHost: string | null } | OutboundRefusal> {
  const url = parseOutboundUrl(raw, policy);
  if (!(url instanceof URL)) return url;
  const host = await checkHost(url, policy, signal);
  return host.ok ? { ok: true, url, privateHost: host.privateHost } : host;
}

/** How long a save waits for the resolver before it gives up. */
const SAVE_CHECK_TIMEOUT_MS = 5_000;

/**
 * Checks a URL a tenant is saving (a tool, a setting) and throws 400 naming `param` when it may not
 * be fetched: `invalid_url` for its form, `url_not_allowed` for where it points.
 */
export async function assertOutboundUrl(raw: string, policy: OutboundPolicy, param: string): Promise<URL> {
  return (await checkSavedUrl(raw, policy, param)).url;
}

async function checkSavedUrl(
  raw: string,
  policy: OutboundPolicy,
  param: string,
): Promise<{ url: URL; privateHost: string | null }> {
  const signal = AbortSignal.timeout(SAVE_CHECK_TIMEOUT_MS);
  let checked: Awaited<ReturnType<typeof checkOutboundUrl>>;
  try {
    checked = await checkOutboundUrl(raw, policy, signal);
  } catch {
    checked = refuse("unresolved_host", "its host name could not be checked in time; try again later");
  }
  if (checked.ok) return checked;
  throw outboundError(checked, param);
}

/** Who saves a URL the gateway will call (a provider's `base_url`, a tool's `url`), for `assertSavedUrl`. */
export interface UrlSaver {
  /** The field, named in errors. */
  param: string;
  /** What is being registered, for the 403's message: "a provider", "a tool". */
  what: string;
  /** Whether the caller is the operator (ADMIN_TOKEN); asked only when the host is private. */
  isOperator: () => Promise<boolean>;
}

/**
 * `assertOutboundUrl` for a URL registered through the admin API, where a private or internal host is
 * the operator's to choose: OUTBOUND_ALLOW_PRIVATE_HOSTS lets the gateway reach it, and only the
 * ADMIN_TOKEN may point a registration at it (403 `admin_token_required` for a console key). Private
 * is decided on what the host is, not on how the URL writes it: a literal address or internal name
 * (refused before any lookup), a name listed in the allow-list, or a name resolving to a private
 * address the allow-list lets through — a public name for 127.0.0.1 is as private as 127.0.0.1.
 */
export async function assertSavedUrl(raw: string, policy: OutboundPolicy, saver: UrlSaver): Promise<URL> {
  const url = parseOutboundUrl(raw, policy);
  if (!(url instanceof URL)) throw outboundError(url, saver.param);
  const inside = refusedHost(url);
  if (inside && !(await saver.isOperator())) throw operatorOnly(saver, inside);
  const checked = await checkSavedUrl(raw, policy, saver.param);
  if (checked.privateHost && !(await saver.isOperator())) throw operatorOnly(saver, checked.privateHost);
  return checked.url;
}

function operatorOnly(saver: UrlSaver, why: string): GatewayError {
  return new GatewayError(
    403,
    `Only the gateway's ADMIN_TOKEN may register ${saver.what} on a private or internal host (${why}). Use a public https URL.`,
    { param: saver.param, code: "admin_token_required" },
  );
}

/** The 400 a refused tenant-supplied URL answers with. */
export function outboundError(refusal: OutboundRefusal, param: string): GatewayError {
  const status: ContentfulStatusCode = 400;
  if (refusal.code === "invalid_url") {
    return new GatewayError(status, `'${param}' ${refusal.message}. Use an http or https URL.`, {
      param,
      code: "invalid_url",
    });
  }
  return new GatewayError(
    status,
    `'${param}' is not allowed: ${refusal.message}. Use a URL on a public host; the gateway's operator can allow a private host by listing it in OUTBOUND_ALLOW_PRIVATE_HOSTS.`,
    { param, code: "url_not_allowed" },
  );
}

export interface GuardedFetchOptions {
  policy: OutboundPolicy;
  signal: AbortSignal;
  /** Redirects followed (each hop checked again); one more answers `too_many_redirects`. */
  maxRedirects: number;
  method?: string;
  headers?: HeadersInit;
  /** A body that can be sent again on a 307/308 hop. */
  body?: string | ArrayBuffer;
}

/**
 * Fetches a tenant-supplied URL with `redirect: "manual"`: every hop's URL is checked before it is
 * requested, redirect bodies are discarded, and a refusal says which hop and why without anything
 * from a response. Network errors reject, as `fetch` does.
 */
export async function guardedFetch(
  raw: string,
  options: GuardedFetchOptions,
): Promise<{ ok: true; response: Response; url: URL } | OutboundRefusal> {
  let next: string | URL = raw;
  let method = options.method ?? "GET";
  let body = options.body;
  for (let hop = 0; ; hop++) {
    const checked = await checkOutboundUrl(next, options.policy, options.signal);
    if (!checked.ok) {
      return hop === 0 ? checked : { ...checked, message: `redirect ${hop} refused: ${checked.message}` };
    }
    const { url } = checked;
    const response = await fetch(url, {
      method,
      headers: options.headers,
      body: method === "GET" || method === "HEAD" ? undefined : body,
      redirect: "manual",
      signal: options.signal,
    });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) {
      return { ok: true, response, url };
    }
    await response.body?.cancel();
    if (hop >= options.maxRedirects) {
      return refuse("too_many_redirects", `more than ${options.maxRedirects} redirects`);
    }
    try {
      next = new URL(location, url);
    } catch {
      return refuse("invalid_url", `redirect ${hop + 1} has an invalid Location`);
    }
    // As browsers do: 303 (and 301/302 after a POST) continue as GET without the body.
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === "POST")
    ) {
      method = "GET";
      body = undefined;
    }
  }
}
