-- Scopes of tenant API keys, like OpenAI's restricted keys. A JSON array of scope names
-- (src/identity/scopes.ts); NULL keeps the full tenant scope keys had before scopes existed (every
-- scope but `admin`, plus `admin` when `console = 1`).
ALTER TABLE api_keys ADD COLUMN scopes TEXT;
