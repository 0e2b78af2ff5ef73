/** Standard Webhooks signing with WebCrypto, as a sender does it (the reference trainer's callbacks; the workers tests' deliveries). */

const encoder = new TextEncoder();

function keyBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith("whsec_")) return new Uint8Array(encoder.encode(secret));
  return Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
}

/** The three headers for one delivery of `body`. */
export async function signWebhook(
  secret: string,
  id: string,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey(
    "raw",
    keyBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestampSeconds}.${body}`)),
  );
  let binary = "";
  for (const b of mac) binary += String.fromCharCode(b);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${btoa(binary)}`,
  };
}
