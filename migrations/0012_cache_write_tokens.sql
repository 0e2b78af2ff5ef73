-- Provider prefix-cache writes (usage `cache_write_tokens`, GPT-5.6 and later), per day and per minute
-- beside `upstream_cached_tokens`, and what the writes cost above the plain input price (they are
-- billed at 1.25x input; docs/openai-reference.md G).
ALTER TABLE cache_stats ADD COLUMN upstream_cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cache_stats ADD COLUMN upstream_cache_write_extra_usd REAL NOT NULL DEFAULT 0;
ALTER TABLE traffic_minutes ADD COLUMN upstream_cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE traffic_minutes ADD COLUMN upstream_cache_write_extra_usd REAL NOT NULL DEFAULT 0;
