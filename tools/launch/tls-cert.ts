import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TlsCert {
  keyPath: string;
  certPath: string;
  /** The certificate (PEM), for clients to trust: `ca` in `node:https`, `ws` and `tls`. */
  pem: string;
}

/**
 * Writes a fresh self-signed certificate for `localhost` and `127.0.0.1` into `dir` with `openssl`.
 * Miniflare's built-in certificate would also serve HTTPS, but clients could not trust it without
 * turning verification off; this one is handed back so they can.
 */
export async function createSelfSignedCert(dir: string): Promise<TlsCert> {
  const keyPath = join(dir, "tls-key.pem");
  const certPath = join(dir, "tls-cert.pem");
  const args = [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "7",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout",
    keyPath,
    "-out",
    certPath,
  ];
  try {
    await run("openssl", args, { timeout: 10_000 });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Creating a TLS certificate for https needs the openssl command (${reason}).`);
  }
  return { keyPath, certPath, pem: await readFile(certPath, "utf8") };
}
