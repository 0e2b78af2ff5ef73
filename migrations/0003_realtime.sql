-- Realtime: server-side tools, the signing secret of each tenant's tool registry, and per-session
-- usage and conversation items written by the per-user RealtimeSession Durable Object (batched,
-- never on the relay path).

CREATE TABLE realtime_tools (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  parameters TEXT NOT NULL,
  url TEXT NOT NULL,
  timeout_ms INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
);

-- The Standard Webhooks secret (`whsec_…`) that signs every tool call of a tenant; shown once.
CREATE TABLE realtime_tool_secrets (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE realtime_sessions (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  end_reason TEXT,
  instructions TEXT,
  voice TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  responses INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  input_audio_ms INTEGER NOT NULL DEFAULT 0,
  output_audio_ms INTEGER NOT NULL DEFAULT 0,
  reconnects INTEGER NOT NULL DEFAULT 0,
  tool_calls INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX realtime_sessions_tenant ON realtime_sessions (tenant_id, started_at DESC);

-- One row per `response.done`: its usage split by text, audio, image and cache.
CREATE TABLE realtime_usage (
  session_id TEXT NOT NULL REFERENCES realtime_sessions (id) ON DELETE CASCADE,
  response_id TEXT NOT NULL,
  status TEXT,
  created_at INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL,
  input_text_tokens INTEGER NOT NULL,
  input_audio_tokens INTEGER NOT NULL,
  input_image_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cached_text_tokens INTEGER NOT NULL,
  cached_audio_tokens INTEGER NOT NULL,
  cached_image_tokens INTEGER NOT NULL,
  output_text_tokens INTEGER NOT NULL,
  output_audio_tokens INTEGER NOT NULL,
  PRIMARY KEY (session_id, response_id)
);

-- Conversation items in order: messages with their text or transcript, function calls and outputs.
CREATE TABLE realtime_items (
  session_id TEXT NOT NULL REFERENCES realtime_sessions (id) ON DELETE CASCADE,
  item_id TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  type TEXT NOT NULL,
  role TEXT,
  text TEXT,
  name TEXT,
  call_id TEXT,
  arguments TEXT,
  output TEXT,
  server_tool INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, item_id)
);
