/**
 * Signed, expiring URLs the gateway hands out so that someone without an API key (a trainer, the
 * provider fetching an image) can read one thing for a while: HMAC-SHA256 with TOKEN_SECRET over
 * what the URL opens (`scope`) and its expiry.
 */
import { z } from "@hono/zod-openapi";
import { hmacBase64url, timingSafeEqual } from "../identity/crypto";
import { GatewayError } from "./errors";
import { errorResponses } from "./openapi";

/** The signature of `scope` until `exp` (Unix seconds). */
export function urlSignature(secret: string, scope: string, exp: number): Promise<string> {
  return hmacBase64url(secret, `${scope}:${exp}`);
}

/**
 * Refuses, with 403 `invalid_signature` or `url_expired`, a URL for `scope` this gateway did not sign
 * or whose expiry has passed. `what` names the URL and `refresh` says how to get a fresh one.
 */
export async function assertSignedUrl(
  secret: string,
  scope: string,
  exp: number,
  sig: string,
  nowSeconds: number,
  message: { what: string; refresh: string },
): Promise<void> {
  const good = secret !== "" && (await timingSafeEqual(sig, await urlSignature(secret, scope, exp)));
  if (good && exp >= nowSeconds) return;
  const why = good ? "has expired" : "has an invalid signature";
  throw new GatewayError(403, `This ${message.what} ${why}; ${message.refresh}`, {
    param: "sig",
    code: good ? "url_expired" : "invalid_signature",
  });
}

/**
 * The responses of a download by signed URL: 200 with the bytes as `mediaType`, 403 for a URL
 * {@link assertSignedUrl} refuses, and the OpenAI-shaped errors.
 */
export function signedDownloadResponses<M extends string>(mediaType: M, description: string) {
  const binary = { schema: z.string().openapi({ format: "binary" }) };
  return {
    200: { description, content: { [mediaType]: binary } as Record<M, typeof binary> },
    403: errorResponses[401],
    ...errorResponses,
  };
}

/** The headers of a body served by a signed URL: kept privately no longer than the URL is valid. */
export function signedDownloadHeaders(contentType: string, exp: number, nowSeconds: number) {
  return {
    "content-type": contentType,
    "cache-control": `private, max-age=${Math.max(0, exp - nowSeconds)}`,
    "x-content-type-options": "nosniff",
  };
}
