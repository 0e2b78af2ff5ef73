-- Bodies of captured completions move to R2 (docs/storage.md): D1 keeps the index. A new row has
-- `request = ''`, `answer = ''` and `body_ref`, the reference of its sealed record in an R2 segment;
-- rows written before keep their inline body and a NULL `body_ref` until migrated.
ALTER TABLE stored_completions ADD COLUMN body_ref TEXT;

-- Rows still to move (only old ones: new rows never enter this index), for the resumable migration.
CREATE INDEX stored_completions_inline ON stored_completions (seq) WHERE body_ref IS NULL;

-- Dead letters keep their record in R2 too (`body_ref`); older ones keep `record_gz`.
ALTER TABLE capture_dead_letters ADD COLUMN body_ref TEXT;
