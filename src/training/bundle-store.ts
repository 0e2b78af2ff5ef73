/**
 * Where training bundles are kept: R2 `BLOBS` under `bundle/<job id>/<file name>`, behind this
 * interface so the rest of `src/training/` does not know the store.
 *
 * Retention: R2 has no per-object TTL, so each file carries its expiry as custom metadata and is not
 * served past it (answered as absent), and a lifecycle rule on the `bundle/` prefix deletes the
 * objects (docs/training.md). Bundles written to KV before (`training-bundle:<job>:<file>`) are
 * still read until KV's own TTL drops them.
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 */
import { GatewayError } from "../platform/errors";

export interface BundleStore {
  /** Stores one file's bytes (refused with 400 `file_too_large` over the store's limit). */
  put(jobId: string, name: string, content: Uint8Array): Promise<void>;
  get(jobId: string, name: string): Promise<string | null>;
}

/** How long a bundle is kept: a week, time enough for a trainer to pick it up. */
export const BUNDLE_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * The largest bundle file. Not R2's limit (5 GB per put) but the Worker's: a file is built in memory
 * as one string (the split's JSONL) and then encoded once to UTF-8 for its hash and the put, so its
 * peak is about twice its size, three times when the text holds characters outside Latin-1 (V8 then
 * keeps two bytes per character). 32 MiB keeps that under 100 MB of the isolate's 128 MB, with the
 * pages of examples being read beside it.
 * @see https://developers.cloudflare.com/workers/platform/limits/#memory
 */
export const MAX_BUNDLE_FILE_BYTES = 32 * 1024 * 1024;

export interface BundleStoreOptions {
  maxBytes?: number;
  /** Bundles written before bundles moved to R2. */
  legacyKv?: KVNamespace;
  /** Unix seconds now (tests). */
  now?: () => number;
}

const EXPIRES_AT = "expires_at";

/** `maxBytes`: a file over it is refused with a 400 saying how to make it smaller, not a store error. */
export function r2BundleStore(blobs: R2Bucket, options: BundleStoreOptions = {}): BundleStore {
  const maxBytes = options.maxBytes ?? MAX_BUNDLE_FILE_BYTES;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const key = (jobId: string, name: string) => `bundle/${jobId}/${name}`;
  return {
    put: async (jobId, name, content) => {
      if (content.byteLength > maxBytes) {
        throw new GatewayError(
          400,
          `The bundle's ${name} would be ${content.byteLength} bytes, over the ${maxBytes} a bundle file may hold; for a vision dataset send images: "url", else train on fewer examples.`,
          { param: "images", code: "file_too_large" },
        );
      }
      await blobs.put(key(jobId, name), content, {
        customMetadata: { [EXPIRES_AT]: String(now() + BUNDLE_RETENTION_SECONDS) },
      });
    },
    get: async (jobId, name) => {
      const object = await blobs.get(key(jobId, name));
      if (object) {
        const expiresAt = Number(object.customMetadata?.[EXPIRES_AT]);
        return expiresAt >= now() ? object.text() : null;
      }
      return options.legacyKv ? options.legacyKv.get(`training-bundle:${jobId}:${name}`, "text") : null;
    },
  };
}
