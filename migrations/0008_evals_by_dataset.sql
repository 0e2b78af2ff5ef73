-- `GET /v1/datasets/{id}/evals` lists a dataset's evaluations newest first.
CREATE INDEX evals_dataset ON evals (tenant_id, dataset_id, created_at);
