/**
 * Provider API keys at rest: AES-GCM (256-bit) under a key derived with HKDF-SHA-256 from the
 * `PROVIDER_KEYS_SECRET` Worker secret. The tenant id and provider name are the additional
 * authenticated data, so a ciphertext copied to another row does not decrypt. A stored key is only
 * ever decrypted to be sent to its own provider; responses show {@link keyHint}.
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-crypto/
 */

import { base64url } from "../identity/crypto";
import type { Bindings } from "../platform/env";
import { GatewayError } from "../platform/errors";

const encoder = new TextEncoder();
const VERSION = "v1";

/** One derived key per secret and isolate. */
let derived: { secret: string; key: Promise<CryptoKey> } | null = null;

function secretOf(env: Pick<Bindings, "PROVIDER_KEYS_SECRET">): string {
  const secret = env.PROVIDER_KEYS_SECRET;
  if (!secret) {
    throw new GatewayError(
      503,
      "Provider keys cannot be stored or read: the gateway's operator has not set PROVIDER_KEYS_SECRET.",
      { type: "server_error", code: "provider_keys_unconfigured" },
    );
  }
  return secret;
}

async function deriveKey(secret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: encoder.encode("edgegate"),
      info: encoder.encode("provider-keys/v1"),
    },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function keyFor(env: Pick<Bindings, "PROVIDER_KEYS_SECRET">): Promise<CryptoKey> {
  const secret = secretOf(env);
  if (derived?.secret !== secret) derived = { secret, key: deriveKey(secret) };
  return derived.key;
}

const aad = (tenantId: string, name: string) => encoder.encode(`${tenantId}\n${name}`);

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** `v1.<iv>.<ciphertext>` (base64url) of `apiKey`, bound to the tenant and provider name. */
export async function sealKey(
  env: Pick<Bindings, "PROVIDER_KEYS_SECRET">,
  tenantId: string,
  name: string,
  apiKey: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad(tenantId, name) },
    await keyFor(env),
    encoder.encode(apiKey),
  );
  return `${VERSION}.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

/** The key sealed by {@link sealKey}; a 502 when it cannot be read (the secret changed). */
export async function openKey(
  env: Pick<Bindings, "PROVIDER_KEYS_SECRET">,
  tenantId: string,
  name: string,
  sealed: string,
): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  try {
    if (version !== VERSION || !iv || !data) throw new Error("unknown format");
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64url(iv), additionalData: aad(tenantId, name) },
      await keyFor(env),
      fromBase64url(data),
    );
    return new TextDecoder().decode(plain);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(
      502,
      `The API key stored for provider '${name}' cannot be read (PROVIDER_KEYS_SECRET changed?). Set it again with PATCH /admin/tenants/{id}/providers/${name}.`,
      { type: "server_error", code: "provider_key_unreadable" },
    );
  }
}

/** What responses show of a key: its first 3 and last 4 characters when it is long enough. */
export function keyHint(apiKey: string): string {
  if (apiKey.length < 16) return "****";
  return `${apiKey.slice(0, 3)}…${apiKey.slice(-4)}`;
}
