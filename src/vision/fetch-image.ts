/**
 * Loading an image for validation: `data:` URLs decoded, `http(s)` URLs fetched with manual
 * redirects (each hop checked by the SSRF guard, its host name resolved first; see dns.ts), a timeout, and the size cap enforced while the
 * body streams in, so an oversized or endless response is cut off early.
 */
import { readCapped } from "../platform/body";
import { isIpLiteral, refusedHost } from "./address";
import { checkResolvedHost } from "./dns";
import type { VisionLimits } from "./settings";

export type LoadFailure = {
  ok: false;
  code:
    | "unsupported_url"
    | "blocked_host"
    | "unresolved_host"
    | "fetch_failed"
    | "too_large"
    | "timeout"
    | "too_many_redirects";
  message: string;
};
export type Loaded = { ok: true; bytes: Uint8Array };

const fail = (code: LoadFailure["code"], message: string): LoadFailure => ({ ok: false, code, message });
const mb = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MB`;

function decodeDataUrl(url: string, limits: VisionLimits): Loaded | LoadFailure {
  const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
  if (!m?.[2]) return fail("unsupported_url", "data URLs must be base64 (data:image/png;base64,…)");
  const b64 = m[3] ?? "";
  if (Math.floor((b64.length * 3) / 4) - 2 > limits.maxImageBytes) {
    return fail("too_large", `the image is larger than ${mb(limits.maxImageBytes)}`);
  }
  let binary: string;
  try {
    binary = atob(b64);
  } catch {
    return fail("unsupported_url", "the data URL is not valid base64");
  }
  if (binary.length > limits.maxImageBytes) {
    return fail("too_large", `the image is larger than ${mb(limits.maxImageBytes)}`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { ok: true, bytes };
}

async function readImageBody(res: Response, cap: number): Promise<Loaded | LoadFailure> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > cap) {
    await res.body?.cancel();
    return fail("too_large", `the image is ${mb(declared)}, larger than ${mb(cap)}`);
  }
  if (!res.body) return { ok: true, bytes: new Uint8Array(0) };
  const bytes = await readCapped(res.body, cap);
  if (bytes === null) return fail("too_large", `the image is larger than ${mb(cap)}`);
  return { ok: true, bytes };
}

function checkUrl(raw: string, limits: VisionLimits): URL | LoadFailure {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("unsupported_url", "is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return fail("unsupported_url", `only http, https and data URLs are accepted, not ${url.protocol}`);
  }
  const refused = limits.allowPrivateHosts ? null : refusedHost(url);
  if (refused) {
    return fail(
      "blocked_host",
      `${refused}; images must be on a public host (or enable vision.allow_private_image_hosts)`,
    );
  }
  return url;
}

async function fetchHops(
  raw: string,
  limits: VisionLimits,
  signal: AbortSignal,
): Promise<Loaded | LoadFailure> {
  let next = raw;
  for (let hop = 0; ; hop++) {
    const url = checkUrl(next, limits);
    if (!(url instanceof URL)) return url;
    if (!limits.allowPrivateHosts && !isIpLiteral(url)) {
      const host = await checkResolvedHost(url.hostname, limits.dohUrl, signal);
      if (!host.ok) return fail(host.code, host.message);
    }
    const res = await fetch(url, { redirect: "manual", signal, headers: { accept: "image/*" } });
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop >= limits.maxRedirects) {
        return fail("too_many_redirects", `more than ${limits.maxRedirects} redirects`);
      }
      next = new URL(location, url).toString();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      return fail("fetch_failed", `the image URL answered HTTP ${res.status}`);
    }
    return readImageBody(res, limits.maxImageBytes);
  }
}

/** The bytes behind an image URL, or why they could not be had. */
export async function loadImage(raw: string, limits: VisionLimits): Promise<Loaded | LoadFailure> {
  if (raw.startsWith("data:")) return decodeDataUrl(raw, limits);
  const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
  try {
    return await fetchHops(raw, limits, signal);
  } catch (err) {
    if (signal.aborted)
      return fail("timeout", `the image took longer than ${limits.fetchTimeoutMs} ms to download`);
    return fail(
      "fetch_failed",
      `the image could not be downloaded (${err instanceof Error ? err.message : "network error"})`,
    );
  }
}
