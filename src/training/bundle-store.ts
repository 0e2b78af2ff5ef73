/**
 * Where training bundles are kept: KV `CACHE` today (as dataset images are), behind this interface
 * so the store can move (to R2, say) without touching the rest of `src/training/`.
 * @see https://developers.cloudflare.com/kv/api/write-key-value-pairs/
 */

export interface BundleStore {
  put(jobId: string, name: string, content: string): Promise<void>;
  get(jobId: string, name: string): Promise<string | null>;
}

/** How long a bundle is kept: a week, time enough for a trainer to pick it up. */
export const BUNDLE_RETENTION_SECONDS = 7 * 24 * 3600;

export function kvBundleStore(kv: KVNamespace): BundleStore {
  const key = (jobId: string, name: string) => `training-bundle:${jobId}:${name}`;
  return {
    put: (jobId, name, content) =>
      kv.put(key(jobId, name), content, { expirationTtl: BUNDLE_RETENTION_SECONDS }),
    get: (jobId, name) => kv.get(key(jobId, name), "text"),
  };
}
