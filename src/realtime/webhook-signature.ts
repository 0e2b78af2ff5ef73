/**
 * Standard Webhooks signing for server-side tool calls: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64 bytes
 * after `whsec_` (the same scheme OpenAI's webhooks use, so the same verifiers work).
 * @see https://www.standardwebhooks.com/
 * @see OPENAI-REFERENCE.md section F
 */

const encoder = new TextEncoder();
const SECRET_PREFIX = "whsec_";

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** A fresh `whsec_…` secret of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

function keyBytes(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) return encoder.encode(secret);
  const binary = atob(secret.slice(SECRET_PREFIX.length));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The three Standard Webhooks headers for one delivery of `body`. */
export async function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey(
    "raw",
    keyBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signed = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestampSeconds}.${body}`));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${toBase64(new Uint8Array(signed))}`,
  };
}
