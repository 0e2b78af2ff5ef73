/**
 * Loading an image for validation: `data:` URLs decoded, `http(s)` URLs fetched through the gateway's
 * one outbound-URL guard (src/platform/outbound-url.ts: manual redirects, each hop checked and its host
 * name resolved first), a timeout, and the size cap enforced while the body streams in, so an
 * oversized or endless response is cut off early.
 */
import { readCapped } from "../platform/body";
import {
  guardedFetch,
  type OutboundPolicy,
  type OutboundRefusal,
  outboundPolicy,
} from "../platform/outbound-url";
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

/** The shared outbound-URL guard as images use it: the tenant's private-host switch, the operator's list. */
function imagePolicy(limits: VisionLimits): OutboundPolicy {
  return {
    ...outboundPolicy({ OUTBOUND_ALLOW_PRIVATE_HOSTS: limits.operatorAllowedHosts }),
    dohUrl: limits.dohUrl,
    allowAllPrivate: limits.allowPrivateHosts,
  };
}

function imageFailure(refusal: OutboundRefusal): LoadFailure {
  switch (refusal.code) {
    case "invalid_url":
      return fail(
        "unsupported_url",
        refusal.message.replace("only http and https URLs", "only http, https and data URLs"),
      );
    case "blocked_host":
      return fail(
        "blocked_host",
        `${refusal.message}; images must be on a public host (or enable vision.allow_private_image_hosts)`,
      );
    default:
      return fail(refusal.code, refusal.message);
  }
}

async function fetchHops(
  raw: string,
  limits: VisionLimits,
  signal: AbortSignal,
): Promise<Loaded | LoadFailure> {
  const fetched = await guardedFetch(raw, {
    policy: imagePolicy(limits),
    signal,
    maxRedirects: limits.maxRedirects,
    headers: { accept: "image/*" },
  });
  if (!fetched.ok) return imageFailure(fetched);
  const res = fetched.response;
  if (!res.ok) {
    await res.body?.cancel();
    return fail("fetch_failed", `the image URL answered HTTP ${res.status}`);
  }
  return readImageBody(res, limits.maxImageBytes);
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
