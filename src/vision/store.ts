/**
 * Content-addressed image store in KV: each image once per tenant under `img:<tenant>:<sha256>`, with
 * its format and dimensions as metadata, whether it came from a data URL, a download or captured
 * traffic. Scoped by tenant so that knowing a hash (e.g. from a leaked signed URL) never lets another
 * tenant read an image.
 * @see https://developers.cloudflare.com/kv/api/write-key-value-pairs/#metadata
 */
import { hmacBase64url } from "../identity/crypto";
import type { ImageInfo } from "./image-info";

/** Where a tenant's images live. */
export interface ImageStore {
  kv: KVNamespace;
  tenant: string;
}

export interface StoredImageMeta {
  format: string;
  width: number;
  height: number;
  bytes: number;
}

export async function sha256Bytes(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** Images this isolate has stored: KV allows one write per second per key, and re-writing is waste. */
const storedHere = new Set<string>();
const STORED_HERE_MAX = 10_000;

/** Stores an image under its hash, once (re-validating the same image writes nothing). */
export async function putImage(
  store: ImageStore,
  sha: string,
  bytes: Uint8Array,
  info: ImageInfo,
  options: { force?: boolean } = {},
): Promise<void> {
  const metadata: StoredImageMeta = {
    format: info.format,
    width: info.width,
    height: info.height,
    bytes: bytes.byteLength,
  };
  const key = `img:${store.tenant}:${sha}`;
  if (storedHere.has(key) && !options.force) return;
  await store.kv.put(key, bytes, { metadata });
  if (storedHere.size >= STORED_HERE_MAX) storedHere.clear();
  storedHere.add(key);
}

export async function getImage(
  store: ImageStore,
  sha: string,
): Promise<{ bytes: ArrayBuffer; meta: StoredImageMeta } | null> {
  const key = `img:${store.tenant}:${sha}`;
  const { value, metadata } = await store.kv.getWithMetadata<StoredImageMeta>(key, "arrayBuffer");
  return value && metadata ? { bytes: value, meta: metadata } : null;
}

/** The signature of `GET /v1/images/:sha?t=&exp=` (HMAC-SHA256 with TOKEN_SECRET over tenant, image, expiry). */
export function imageSignature(secret: string, tenant: string, sha: string, exp: number): Promise<string> {
  return hmacBase64url(secret, `img:${tenant}:${sha}:${exp}`);
}

/** A signed, expiring Edgegate URL of a stored image. */
export async function signedImageUrl(
  origin: string,
  secret: string,
  store: ImageStore,
  sha: string,
  ttlSeconds: number,
): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  const sig = await imageSignature(secret, store.tenant, sha, exp);
  return `${origin}/v1/images/${sha}?t=${encodeURIComponent(store.tenant)}&exp=${exp}&sig=${sig}`;
}
