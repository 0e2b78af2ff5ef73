-- Model providers a tenant registers (src/providers): any OpenAI-compatible API, addressed as
-- `name/model`. The API key is stored only as AES-GCM ciphertext under a key derived from the
-- PROVIDER_KEYS_SECRET Worker secret (src/providers/keys.ts); `key_hint` is its masked form.
-- `models` and `capabilities` are JSON arrays; `shutdown_dates` is a JSON object of model id ->
-- `YYYY-MM-DD` learned from the provider's own `/v1/models` (src/models/lifecycle.ts).

CREATE TABLE tenant_providers (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  base_url TEXT NOT NULL,
  key_ciphertext TEXT NOT NULL,
  key_hint TEXT NOT NULL,
  models TEXT NOT NULL DEFAULT '[]',
  capabilities TEXT NOT NULL DEFAULT '["chat"]',
  shutdown_dates TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
