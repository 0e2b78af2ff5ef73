/**
 * Where training bundles are kept: KV `CACHE` today (as dataset images are), behind this interface
 * so the store can move (to R2, say) without touching the rest of `src/training/`.
 * @see https://developers.cloudflare.com/kv/api/write-key-value-pairs/
 */
import { GatewayError } from "../platform/errors";

export interface BundleStore {
  put(jobId: string, name: string, content: string): Promise<void>;
  get(jobId: string, name: string): Promise<string | null>;
}

/** How long a bundle is kept: a week, time enough for a trainer to pick it up. */
export const BUNDLE_RETENTION_SECONDS = 7 * 24 * 3600;

/** The largest value KV stores (25 MiB). */
export const MAX_BUNDLE_FILE_BYTES = 25 * 1024 * 1024;

/** `maxBytes`: a file over it is refused with a 400 saying how to make it smaller, not a KV error. */
export function kvBundleStore(kv: KVNamespace, maxBytes = MAX_BUNDLE_FILE_BYTES): BundleStore {
  const key = (jobId: string, name: string) => `training-bundle:${jobId}:${name}`;
  return {
    put: async (jobId, name, content) => {
      const bytes = new TextEncoder().encode(content).byteLength;
      if (bytes > maxBytes) {
        throw new GatewayError(
          400,
          `The bundle's ${name} would be ${bytes} bytes, over the ${maxBytes} a bundle file may hold; for a vision dataset send images: "url", else train on fewer examples.`,
          { param: "images", code: "file_too_large" },
        );
      }
      await kv.put(key(jobId, name), content, { expirationTtl: BUNDLE_RETENTION_SECONDS });
    },
    get: (jobId, name) => kv.get(key(jobId, name), "text"),
  };
}
