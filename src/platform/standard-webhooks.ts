/**
 * Standard Webhooks (the scheme OpenAI's webhooks use), both ways: HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${raw body}`, keyed with the base64 bytes after `whsec_`.
 * Verification compares in constant time (`crypto.subtle.verify`) with a 5-minute tolerance.
 * @see https://www.standardwebhooks.com/
 * @see docs/openai-reference.md F
 */
import { GatewayError } from "./errors";

export const WEBHOOK_TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = "whsec_";
const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** A fresh `whsec_…` secret of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${base64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

function keyBytes(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) return encoder.encode(secret);
  return fromBase64(secret.slice(SECRET_PREFIX.length)) ?? encoder.encode(secret);
}

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", keyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/** The three Standard Webhooks headers for one delivery of `body`. */
export async function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<Record<string, string>> {
  const key = await hmacKey(secret, "sign");
  const signed = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestampSeconds}.${body}`));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${base64(new Uint8Array(signed))}`,
  };
}

function header(headers: Headers, name: string): string {
  const value = headers.get(name);
  if (!value) {
    throw new GatewayError(400, `Missing the '${name}' header of a Standard Webhooks delivery.`, {
      param: name,
      code: "missing_webhook_header",
    });
  }
  return value;
}

/**
 * Checks a delivery's headers against `secret` and returns its `webhook-id`. Throws 400 for
 * missing headers or a timestamp outside the tolerance, 401 for a signature that does not match.
 */
export async function verifyWebhook(
  secret: string,
  headers: Headers,
  rawBody: string,
  nowMs = Date.now(),
): Promise<string> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - ts) > WEBHOOK_TOLERANCE_SECONDS) {
    throw new GatewayError(
      400,
      "The webhook timestamp is missing, malformed or more than 5 minutes from now.",
      {
        param: "webhook-timestamp",
        code: "webhook_timestamp_out_of_range",
      },
    );
  }
  const key = await hmacKey(secret, "verify");
  const signed = encoder.encode(`${id}.${timestamp}.${rawBody}`);
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",", 2);
    const mac = version === "v1" && value ? fromBase64(value) : null;
    if (mac && (await crypto.subtle.verify("HMAC", key, mac, signed))) return id;
  }
  throw new GatewayError(401, "The webhook signature does not match the secret.", {
    type: "invalid_request_error",
    param: "webhook-signature",
    code: "invalid_signature",
  });
}
