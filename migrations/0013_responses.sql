-- Responses API objects created through the gateway on the shared provider account: which tenant
-- (and, for end-user tokens, which end user) created each response id. Every read, cancel, delete
-- and `previous_response_id` is checked against it; an id recorded for nobody answers 404.
CREATE TABLE responses (
  response_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  user_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX responses_tenant ON responses (tenant_id, created_at);

-- Captured completions the database would not take: a row too big for it (`too_large`, at once), or
-- one the capture buffer failed to write several times (`refused`). Kept here, gzip-compressed,
-- instead of being lost or blocking the tenant's later captures; listed and retried through the
-- admin API. `record_gz` is NULL when even the compressed record is too big (only the summary is kept).
CREATE TABLE capture_dead_letters (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  capture_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  model TEXT NOT NULL,
  reason TEXT NOT NULL,
  record_gz BLOB,
  record_bytes INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX capture_dead_letters_tenant ON capture_dead_letters (tenant_id, created_at, id);
