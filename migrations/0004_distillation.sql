-- Captured traffic (store: true, or tenants that capture all), readable through OpenAI's
-- stored-completions API. `seq` orders rows written in the same millisecond; `created_ms` is the
-- capture time, so rows flushed late from the durable buffer still list in the order they happened.
-- No foreign key to tenants: a buffered write must never become unflushable.
CREATE TABLE stored_completions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  model TEXT NOT NULL,
  request TEXT NOT NULL,
  answer TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  user_id TEXT,
  cache_status TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  created_ms INTEGER NOT NULL,
  feedback_score REAL,
  feedback_correction TEXT,
  feedback_at INTEGER,
  UNIQUE (tenant_id, id)
);

CREATE INDEX stored_completions_list ON stored_completions (tenant_id, kind, created_ms, seq);

-- Curated fine-tuning datasets. The webhook secret signs pushes to /hooks/datasets/:id.
CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  validation_ratio REAL NOT NULL,
  webhook_secret TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE INDEX datasets_tenant ON datasets (tenant_id, created_at);

-- One training line per row, de-duplicated by the hash of its content; the split follows the hash.
-- `rejected` is the non-preferred assistant message (a captured answer that feedback corrected).
CREATE TABLE dataset_examples (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  content_hash TEXT NOT NULL,
  split TEXT NOT NULL,
  example TEXT NOT NULL,
  rejected TEXT,
  source TEXT NOT NULL,
  source_id TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (dataset_id, content_hash)
);

CREATE INDEX dataset_examples_split ON dataset_examples (dataset_id, split, seq);
-- Export of all splits pages by (dataset_id, seq) without sorting.
CREATE INDEX dataset_examples_order ON dataset_examples (dataset_id, seq);

-- Standard Webhooks deliveries already processed, so a retried `webhook-id` is answered without a duplicate.
CREATE TABLE webhook_deliveries (
  scope TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (scope, webhook_id)
);

-- Fine-tuning jobs started from datasets. `job` is the provider's latest job object; events and
-- metrics are kept once the job ends. `base_url` is the fine-tuning API the job lives on.
CREATE TABLE fine_tuning_jobs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  base_url TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  fine_tuned_model TEXT,
  job TEXT NOT NULL,
  events TEXT,
  metrics TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX fine_tuning_jobs_dataset ON fine_tuning_jobs (tenant_id, dataset_id, created_at);
CREATE INDEX fine_tuning_jobs_status ON fine_tuning_jobs (status);

-- Provider objects (files, fine-tuning jobs) created through the pass-through routes, so each tenant
-- sees only its own in a shared provider account.
CREATE TABLE upstream_objects (
  tenant_id TEXT NOT NULL,
  object_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, object_id)
);

-- Evaluations of models on a dataset's validation split, run by the EvalRunner Durable Object.
CREATE TABLE evals (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  status TEXT NOT NULL,
  models TEXT NOT NULL,
  grader TEXT NOT NULL,
  max_items INTEGER NOT NULL,
  total INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);

CREATE INDEX evals_tenant ON evals (tenant_id, created_at);

CREATE TABLE eval_items (
  eval_id TEXT NOT NULL,
  example_seq INTEGER NOT NULL,
  example_id TEXT NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY (eval_id, example_seq)
);

-- Model aliases per tenant: requests naming `alias` go to `model`, or to `canary_model` for a
-- stable `canary_percent` of end users.
CREATE TABLE model_aliases (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  model TEXT NOT NULL,
  canary_model TEXT,
  canary_percent REAL,
  promoted_eval_id TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, alias)
);
