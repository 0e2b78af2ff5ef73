/**
 * Signed, expiring URLs of a training bundle's files: HMAC-SHA256 with TOKEN_SECRET over the
 * bundle's path (`/v1/training_jobs/{job_id}/bundle`) and the expiry, so a trainer downloads without
 * an API key, one query string opens every file of the bundle (the manifest's file names beside it),
 * and a changed job, expiry or signature is refused.
 */
import { assertSignedUrl, urlSignature } from "../platform/signed-url";

/** How long a bundle URL handed out is valid; reading the job again gives fresh ones. */
export const BUNDLE_URL_TTL_SECONDS = 24 * 3600;

/** The signed path: the bundle's folder, which holds every file of it. */
export function bundlePath(jobId: string): string {
  return `/v1/training_jobs/${encodeURIComponent(jobId)}/bundle`;
}

export function bundleSignature(secret: string, path: string, exp: number): Promise<string> {
  return urlSignature(secret, `training-bundle:${path}`, exp);
}

/** The file's URL on `origin`, valid until `exp` (Unix seconds). */
export async function signedBundleUrl(
  origin: string,
  secret: string,
  jobId: string,
  file: string,
  exp: number,
): Promise<string> {
  const path = bundlePath(jobId);
  return `${origin}${path}/${encodeURIComponent(file)}?exp=${exp}&sig=${await bundleSignature(secret, path, exp)}`;
}

/** Refuses (403 `invalid_signature` / `url_expired`) a bundle URL not signed by this gateway, or expired. */
export function assertSignedBundleUrl(
  secret: string,
  path: string,
  exp: number,
  sig: string,
  nowSeconds: number,
): Promise<void> {
  return assertSignedUrl(secret, `training-bundle:${path}`, exp, sig, nowSeconds, {
    what: "training bundle URL",
    refresh: "read the job (GET /v1/training_jobs/{job_id}) for fresh links.",
  });
}
