-- Training jobs started from datasets with a chosen trainer (src/training): `openai` wraps a job on an
-- OpenAI-compatible fine-tuning API (its row in fine_tuning_jobs is `fine_tuning_job_id`); `external`
-- writes a training bundle and waits for the trainer's signed callbacks, verified with
-- `callback_secret` (a `whsec_` secret returned once at creation). `method` and `hyperparameters` are
-- as requested; `events` is a JSON array of fine_tuning.job.event objects, oldest first; `metrics`
-- the last reported progress; `error` the failure message.

CREATE TABLE training_jobs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  dataset_id TEXT NOT NULL,
  trainer TEXT NOT NULL,
  method TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  hyperparameters TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL,
  fine_tuned_model TEXT,
  fine_tuning_job_id TEXT,
  callback_secret TEXT,
  bundle_files TEXT NOT NULL DEFAULT '[]',
  events TEXT NOT NULL DEFAULT '[]',
  metrics TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);

CREATE INDEX training_jobs_by_dataset ON training_jobs (tenant_id, dataset_id, created_at);
