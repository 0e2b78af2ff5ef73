-- Vision image checks: the outcome of loading and checking one image URL for a tenant, so
-- that export, fine-tuning jobs and later validations reuse it instead of downloading the image again.
-- `url_hash` is the SHA-256 of the URL as written in the example (data URLs included); `sha256` is the
-- content hash of an acceptable image in the content-addressed store.
CREATE TABLE vision_image_checks (
  tenant_id TEXT NOT NULL,
  url_hash TEXT NOT NULL,
  ok INTEGER NOT NULL,
  sha256 TEXT,
  format TEXT,
  width INTEGER,
  height INTEGER,
  mode TEXT,
  bytes INTEGER,
  code TEXT,
  message TEXT,
  checked_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, url_hash)
);
