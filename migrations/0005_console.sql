-- Web console. A key with `console = 1` may open the console and the admin routes of its
-- own tenant (`/admin/tenants/{id}/…`); other keys only call `/v1`.
ALTER TABLE api_keys ADD COLUMN console INTEGER NOT NULL DEFAULT 0;

-- Model calls (`/v1` chat, responses, embeddings) and those answered with status >= 400, per day,
-- beside the cache counters.
ALTER TABLE cache_stats ADD COLUMN requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cache_stats ADD COLUMN errors INTEGER NOT NULL DEFAULT 0;

-- The same counters per tenant and UTC minute (`minute` = unix seconds of its start), for the traffic
-- plots. Written in the same batch as `cache_stats`, never on the response path; the cron removes
-- minutes older than 31 days.
CREATE TABLE traffic_minutes (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  minute INTEGER NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
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
  PRIMARY KEY (tenant_id, minute)
);

CREATE INDEX traffic_minutes_minute ON traffic_minutes (minute);

-- One row per answer that went through the prompt cache; the newest 1,000 per tenant are kept.
-- `id` only grows (AUTOINCREMENT never reuses one), so it orders events and pages the list.
CREATE TABLE cache_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  outcome TEXT NOT NULL,
  stored INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  similarity REAL,
  cache_key TEXT,
  input_tokens_saved INTEGER NOT NULL,
  output_tokens_saved INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  shadow_false_hit INTEGER,
  shadow_similarity REAL,
  preview TEXT NOT NULL
);

CREATE INDEX cache_events_tenant ON cache_events (tenant_id, id);
