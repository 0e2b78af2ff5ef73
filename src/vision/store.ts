/**
 * Content-addressed image store in R2: each image once per tenant under `img/<tenant>/<sha256>`, with
 * its format and dimensions as custom metadata and its real content type, whether it came from a data
 * URL, a download or captured traffic. Scoped by tenant so that knowing a hash (e.g. from a leaked
 * signed URL) never lets another tenant read an image.
 *
 * Why R2 and not KV: KV is eventually consistent across locations for up to 60 seconds, which is
 * exactly when a trainer or a provider fetches the signed URL an export just wrote; R2 reads after a
 * write see it everywhere. Images stored in KV before (`img:<tenant>:<sha256>`) are still read until
 * {@link migrateKvImages} has moved them.
 * @see https://developers.cloudflare.com/r2/reference/consistency/
 * @see https://developers.cloudflare.com/kv/concepts/how-kv-works/#consistency
 */
import type { Bindings } from "../platform/env";
import { urlSignature } from "../platform/signed-url";
import { type ImageInfo, mimeOf } from "./image-info";

/** Where a tenant's images live: R2, and the KV namespace older images may still be in. */
export interface ImageStore {
  blobs: R2Bucket;
  kv: KVNamespace;
  tenant: string;
}

export interface StoredImageMeta {
  format: string;
  width: number;
  height: number;
  bytes: number;
}

/** The tenant's image store on the Worker's bindings. */
export function imageStore(env: Pick<Bindings, "BLOBS" | "CACHE">, tenant: string): ImageStore {
  return { blobs: env.BLOBS, kv: env.CACHE, tenant };
}

export async function sha256Bytes(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

const r2Key = (tenant: string, sha: string) => `img/${tenant}/${sha}`;
const kvKey = (tenant: string, sha: string) => `img:${tenant}:${sha}`;

/** Images this isolate has stored: re-writing the same bytes is a paid class A operation for nothing. */
const storedHere = new Set<string>();
const STORED_HERE_MAX = 10_000;

function customMetadata(meta: StoredImageMeta): Record<string, string> {
  return {
    format: meta.format,
    width: String(meta.width),
    height: String(meta.height),
    bytes: String(meta.bytes),
  };
}

function metaOf(object: R2Object): StoredImageMeta | null {
  const m = object.customMetadata ?? {};
  if (!m.format) return null;
  return { format: m.format, width: Number(m.width), height: Number(m.height), bytes: Number(m.bytes) };
}

async function writeImage(blobs: R2Bucket, key: string, bytes: Uint8Array, meta: StoredImageMeta) {
  await blobs.put(key, bytes, {
    httpMetadata: { contentType: mimeOf(meta.format) },
    customMetadata: customMetadata(meta),
  });
}

/** Stores an image under its hash, once (re-validating the same image writes nothing). */
export async function putImage(
  store: ImageStore,
  sha: string,
  bytes: Uint8Array,
  info: ImageInfo,
  options: { force?: boolean } = {},
): Promise<void> {
  const key = r2Key(store.tenant, sha);
  if (storedHere.has(key) && !options.force) return;
  await writeImage(store.blobs, key, bytes, {
    format: info.format,
    width: info.width,
    height: info.height,
    bytes: bytes.byteLength,
  });
  if (storedHere.size >= STORED_HERE_MAX) storedHere.clear();
  storedHere.add(key);
}

/** The image and its metadata: from R2, else from KV where images were kept before. */
export async function getImage(
  store: ImageStore,
  sha: string,
): Promise<{ bytes: ArrayBuffer; meta: StoredImageMeta } | null> {
  const object = await store.blobs.get(r2Key(store.tenant, sha));
  const meta = object && metaOf(object);
  if (object && meta) return { bytes: await object.arrayBuffer(), meta };
  const { value, metadata } = await store.kv.getWithMetadata<StoredImageMeta>(
    kvKey(store.tenant, sha),
    "arrayBuffer",
  );
  return value && metadata ? { bytes: value, meta: metadata } : null;
}

/**
 * Moves up to `limit` images stored in KV (`img:<tenant>:<sha>`) to R2, then deletes each KV key:
 * resumable (pass back `cursor` until `done`) and idempotent (a crash after the R2 write and before
 * the KV delete leaves both copies, and the next run writes the same bytes again and deletes).
 */
export async function migrateKvImages(
  env: Pick<Bindings, "BLOBS" | "CACHE">,
  limit: number,
  cursor?: string,
): Promise<{ moved: number; cursor: string | undefined; done: boolean }> {
  const page = await env.CACHE.list<StoredImageMeta>({ prefix: "img:", limit, cursor });
  let moved = 0;
  for (const key of page.keys) {
    // `img:<tenant>:<sha>`: the hash is after the last colon, whatever the tenant id holds.
    const tenant = key.name.slice("img:".length, key.name.lastIndexOf(":"));
    const sha = key.name.slice(key.name.lastIndexOf(":") + 1);
    const { value, metadata } = await env.CACHE.getWithMetadata<StoredImageMeta>(key.name, "arrayBuffer");
    if (value && metadata && tenant && sha) {
      await writeImage(env.BLOBS, r2Key(tenant, sha), new Uint8Array(value), metadata);
      moved++;
    }
    await env.CACHE.delete(key.name);
  }
  const done = page.list_complete;
  return { moved, cursor: done ? undefined : page.cursor, done };
}

/** The signature of `GET /v1/images/:sha?t=&exp=` (HMAC-SHA256 with TOKEN_SECRET over tenant, image, expiry). */
export function imageSignature(secret: string, tenant: string, sha: string, exp: number): Promise<string> {
  return urlSignature(secret, imageScope(tenant, sha), exp);
}

/** What an image URL's signature covers: the tenant and the image. */
export const imageScope = (tenant: string, sha: string) => `img:${tenant}:${sha}`;

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
