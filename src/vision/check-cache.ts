/**
 * Image checks remembered per tenant and URL in D1 (`vision_image_checks`), so a validation that ran
 * in the background, an export and a fine-tuning job each reuse the outcome instead of downloading
 * every image again. Acceptable images point at their content hash in the image store.
 */
import type { ImageResult } from "./image-check";
import type { ColourMode, ImageFormat } from "./image-info";
import { sha256Bytes } from "./store";

/** How long a check is trusted. Stored images are content-addressed, so an old check still exports the bytes it checked. */
export const CHECK_TTL_SECONDS = 7 * 24 * 3600;
/**
 * Hashes per lookup query. They are written into the SQL as literals (64 hex digits each, made here,
 * so nothing can be injected): D1 binds at most 100 parameters per query, while a statement may be
 * 100 KB, so a dataset of 150,000 images takes 150 queries instead of 1,700 (an invocation may make 1,000).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
const LOOKUP_CHUNK = 1_000;

interface CheckRow {
  url_hash: string;
  ok: number;
  sha256: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
  mode: string | null;
  bytes: number | null;
  code: string | null;
  message: string | null;
  checked_at: number;
}

export interface CachedCheck {
  result: ImageResult;
  checkedAt: number;
}

const urlHash = (url: string) => sha256Bytes(new TextEncoder().encode(url));

function resultOf(row: CheckRow): ImageResult {
  if (row.ok !== 1) return { ok: false, code: row.code ?? "image_fetch_failed", message: row.message ?? "" };
  return {
    ok: true,
    sha: row.sha256 ?? "",
    bytes: row.bytes ?? 0,
    info: {
      format: (row.format ?? "unknown") as ImageFormat,
      width: row.width ?? 0,
      height: row.height ?? 0,
      mode: (row.mode ?? "rgb") as ColourMode,
    },
  };
}

/** The checks of `urls` younger than the TTL (each URL at most once in the answer). */
export async function lookupChecks(
  db: D1Database,
  tenant: string,
  urls: readonly string[],
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Map<string, CachedCheck>> {
  const byHash = new Map<string, string>();
  for (const url of urls) byHash.set(await urlHash(url), url);
  const hashes = [...byHash.keys()];
  const found = new Map<string, CachedCheck>();
  for (let i = 0; i < hashes.length; i += LOOKUP_CHUNK) {
    const list = hashes
      .slice(i, i + LOOKUP_CHUNK)
      .filter((h) => /^[0-9a-f]{64}$/.test(h))
      .map((h) => `'${h}'`)
      .join(",");
    const { results } = await db
      .prepare(
        `SELECT * FROM vision_image_checks WHERE tenant_id = ? AND checked_at > ? AND url_hash IN (${list})`,
      )
      .bind(tenant, nowSeconds - CHECK_TTL_SECONDS)
      .all<CheckRow>();
    for (const row of results) {
      const url = byHash.get(row.url_hash);
      if (url) found.set(url, { result: resultOf(row), checkedAt: row.checked_at });
    }
  }
  return found;
}

/** Remembers checks (one D1 batch per call). */
export async function saveChecks(
  db: D1Database,
  tenant: string,
  checks: readonly (readonly [string, ImageResult])[],
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  if (checks.length === 0) return;
  const statement = db.prepare(
    `INSERT OR REPLACE INTO vision_image_checks
       (tenant_id, url_hash, ok, sha256, format, width, height, mode, bytes, code, message, checked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rows = await Promise.all(
    checks.map(async ([url, r]) =>
      r.ok
        ? statement.bind(
            tenant,
            await urlHash(url),
            1,
            r.sha,
            r.info.format,
            r.info.width,
            r.info.height,
            r.info.mode,
            r.bytes,
            null,
            null,
            nowSeconds,
          )
        : statement.bind(
            tenant,
            await urlHash(url),
            0,
            null,
            null,
            null,
            null,
            null,
            null,
            r.code,
            r.message,
            nowSeconds,
          ),
    ),
  );
  await db.batch(rows);
}
