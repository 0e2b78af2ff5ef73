-- Purging a tenant's cache bumps its generation: every cache key includes it, so old entries are
-- never read again (O(1) purge) and expire from KV on their own.
ALTER TABLE tenants ADD COLUMN cache_generation INTEGER NOT NULL DEFAULT 0;

-- Cache counters per tenant and UTC day, updated after each response (never on the response path).
CREATE TABLE cache_stats (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  semantic_hits INTEGER NOT NULL DEFAULT 0,
  coalesced INTEGER NOT NULL DEFAULT 0,
  misses INTEGER NOT NULL DEFAULT 0,
  bypasses INTEGER NOT NULL DEFAULT 0,
  input_tokens_saved INTEGER NOT NULL DEFAULT 0,
  output_tokens_saved INTEGER NOT NULL DEFAULT 0,
  cost_saved_usd REAL NOT NULL DEFAULT 0,
  upstream_cached_tokens INTEGER NOT NULL DEFAULT 0,
  upstream_input_tokens INTEGER NOT NULL DEFAULT 0,
  shadow_checks INTEGER NOT NULL DEFAULT 0,
  shadow_false_hits INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day)
);
