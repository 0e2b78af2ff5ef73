import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface LocalSecrets {
  adminToken: string;
  tokenSecret: string;
  /** PROVIDER_KEYS_SECRET: encrypts the API keys of tenants' registered providers (src/providers/keys.ts). */
  providerKeysSecret: string;
}

/** A random secret, URL-safe, with an optional recognisable prefix. */
export function randomSecret(prefix = ""): string {
  return `${prefix}${randomBytes(24).toString("base64url")}`;
}

async function readSaved(file: string): Promise<Partial<LocalSecrets>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null) return {};
  const saved = value as Record<string, unknown>;
  return {
    adminToken: typeof saved.adminToken === "string" ? saved.adminToken : undefined,
    tokenSecret: typeof saved.tokenSecret === "string" ? saved.tokenSecret : undefined,
    providerKeysSecret: typeof saved.providerKeysSecret === "string" ? saved.providerKeysSecret : undefined,
  };
}

/**
 * The admin token, token-signing secret and provider-key secret for local runs: the given ones
 * (from the environment) win; missing ones are read from `file`, or generated once and saved there
 * (mode 0600) so a restart keeps them, end-user tokens stay valid and stored provider keys stay
 * readable.
 */
export async function loadLocalSecrets(file: string, given: Partial<LocalSecrets>): Promise<LocalSecrets> {
  if (given.adminToken && given.tokenSecret && given.providerKeysSecret) {
    return {
      adminToken: given.adminToken,
      tokenSecret: given.tokenSecret,
      providerKeysSecret: given.providerKeysSecret,
    };
  }
  const saved = await readSaved(file);
  const generated = {
    adminToken: saved.adminToken ?? randomSecret("adm_"),
    tokenSecret: saved.tokenSecret ?? randomSecret(),
    providerKeysSecret: saved.providerKeysSecret ?? randomSecret(),
  };
  if (
    generated.adminToken !== saved.adminToken ||
    generated.tokenSecret !== saved.tokenSecret ||
    generated.providerKeysSecret !== saved.providerKeysSecret
  ) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    adminToken: given.adminToken || generated.adminToken,
    tokenSecret: given.tokenSecret || generated.tokenSecret,
    providerKeysSecret: given.providerKeysSecret || generated.providerKeysSecret,
  };
}
