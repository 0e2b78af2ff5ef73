/**
 * Signed, expiring URLs the gateway hands out so that someone without an API key (a trainer, the
 * provider fetching an image) can read one thing for a while: HMAC-SHA256 with TOKEN_SECRET over
 * what the URL opens (`scope`) and its expiry.
 */
import { hmacBase64url, timingSafeEqual } from "../identity/crypto";
import { GatewayError } from "./errors";

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
