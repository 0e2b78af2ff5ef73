-- Realtime: how each server-side tool call went (its failure and how long it took), kept on the call's
-- `function_call` item so a transcript shows the call, its arguments and its outcome in order; and the
-- kind of session (`realtime`, or `transcription` for `?intent=transcription`).

ALTER TABLE realtime_items ADD COLUMN tool_error TEXT;
ALTER TABLE realtime_items ADD COLUMN tool_duration_ms INTEGER;

ALTER TABLE realtime_sessions ADD COLUMN type TEXT NOT NULL DEFAULT 'realtime';
