-- Dataset examples keep their bodies in R2 segments (src/storage/segments.ts): `body_ref` points at
-- one sealed record `{"example":…,"rejected":…}`; such rows have `example = ''` and `rejected = NULL`.
-- Rows written before keep their bodies inline (`body_ref` NULL) until moved by migrateExampleBodies.
ALTER TABLE dataset_examples ADD COLUMN body_ref TEXT;

-- The rows still to move, in order, without scanning the moved ones.
CREATE INDEX dataset_examples_inline ON dataset_examples (seq) WHERE body_ref IS NULL;
