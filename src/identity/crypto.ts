const encoder = new TextEncoder();

export function randomToken(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(buf);
}

/** A prefixed random identifier such as `ten_3f9c…`. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** HMAC-SHA256 of `message` under `secret`, base64url (signed URLs). */
export async function hmacBase64url(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message))));
}

/** The two hex digits of every byte value. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** SHA-256 of `data` as lowercase hex (a cache HIT computes its key with it). */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (let i = 0; i < digest.length; i++) hex += HEX_BYTES[digest[i] as number];
  return hex;
}

/** One random HMAC key per isolate: comparing secrets costs no key generation per request. */
let compareKey: Promise<CryptoKey> | null = null;

async function compareDigest(text: string): Promise<Uint8Array> {
  compareKey ??= crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]) as Promise<CryptoKey>;
  return new Uint8Array(await crypto.subtle.sign("HMAC", await compareKey, encoder.encode(text)));
}

/** The last expected secret's digest (the admin token on every token request): hashed once per isolate. */
let expectedMemo: { text: string; digest: Promise<Uint8Array> } | null = null;

/**
 * Compares a secret with the expected one in time independent of where they differ (HMAC both with
 * a per-isolate random key, then compare digests). `expected` is the configured value: its digest is
 * remembered, so a check costs one HMAC.
 */
export async function timingSafeEqual(actual: string, expected: string): Promise<boolean> {
  if (expectedMemo?.text !== expected) expectedMemo = { text: expected, digest: compareDigest(expected) };
  const [x, y] = await Promise.all([compareDigest(actual), expectedMemo.digest]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
