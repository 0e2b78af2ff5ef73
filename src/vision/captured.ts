/**
 * Captured vision requests (Chat Completions `image_url` parts and Responses `input_image` parts)
 * keep their images in the content-addressed store: a `data:` image URL in a stored request becomes a reference `edgegate-image:sha256:<hex>` (D1 rows stay small, each image is
 * stored once however often it is sent), and is expanded back whenever the request is read.
 * @see docs/openai-reference.md D.1, E
 */

import type { JsonObject } from "../platform/json";
import { readImageInfo } from "./image-info";
import { mapImageUrls, mapInputImageUrls } from "./parts";
import { getImage, type ImageStore, putImage, sha256Bytes } from "./store";

export const IMAGE_REF_PREFIX = "edgegate-image:sha256:";
/** Larger data URLs stay inline (OpenAI accepts images up to 20 MB in requests). */
const MAX_STORED_BYTES = 20 * 1024 * 1024;

function decode(url: string): Uint8Array | null {
  const b64 = /^data:image\/[a-z+.-]+;base64,([A-Za-z0-9+/=]+)$/i.exec(url)?.[1];
  if (!b64 || (b64.length * 3) / 4 > MAX_STORED_BYTES) return null;
  try {
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The stored image behind a reference, as a data URL (null when unknown). */
export async function refToDataUrl(store: ImageStore, url: string): Promise<string | null> {
  const image = await getImage(store, url.slice(IMAGE_REF_PREFIX.length));
  if (!image) return null;
  return `data:image/${image.meta.format};base64,${base64(new Uint8Array(image.bytes))}`;
}

/** Rewrites the image URLs of a Chat Completions request (`image_url` parts) or a Responses one (`input_image`). */
async function mapRequestImages(
  request: JsonObject,
  rewrite: (url: string) => Promise<string>,
): Promise<JsonObject> {
  return mapInputImageUrls(await mapImageUrls(request, rewrite), rewrite);
}

/** The request JSON with each readable `data:` image replaced by a reference to the store. */
export async function dehydrateRequest(store: ImageStore, requestJson: string): Promise<string> {
  if (!requestJson.includes('"data:image/')) return requestJson;
  const request = JSON.parse(requestJson) as JsonObject;
  const out = await mapRequestImages(request, async (url) => {
    const bytes = url.startsWith("data:") ? decode(url) : null;
    const info = bytes ? readImageInfo(bytes) : null;
    if (!bytes || !info || "problem" in info) return url;
    const sha = await sha256Bytes(bytes);
    await putImage(store, sha, bytes, info);
    return `${IMAGE_REF_PREFIX}${sha}`;
  });
  return JSON.stringify(out);
}

/** The request JSON with references expanded back to data URLs, as the client sent it. */
export async function hydrateRequest(store: ImageStore, requestJson: string): Promise<string> {
  if (!requestJson.includes(IMAGE_REF_PREFIX)) return requestJson;
  const request = JSON.parse(requestJson) as JsonObject;
  const out = await mapRequestImages(request, async (url) =>
    url.startsWith(IMAGE_REF_PREFIX) ? ((await refToDataUrl(store, url)) ?? url) : url,
  );
  return JSON.stringify(out);
}
