-- Captures older than the operator's retention (CAPTURE_RETENTION_DAYS) are deleted by the cron in
-- batches, oldest first, across tenants: this index finds them without scanning the table
-- (src/datasets/retention.ts). A tenant's own, shorter window uses stored_completions_list.
CREATE INDEX stored_completions_age ON stored_completions (created_ms, seq);
