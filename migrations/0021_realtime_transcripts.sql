-- An ended Realtime session's transcript (its conversation items and instructions) moves to R2 as one
-- sealed record (src/realtime/records/transcript-archive.ts); `transcript_ref` says where, and its
-- `realtime_items` rows are deleted. Live sessions keep their items in D1 until they end.
ALTER TABLE realtime_sessions ADD COLUMN transcript_ref TEXT;

-- The sweep that archives ended sessions finds them without scanning archived ones.
CREATE INDEX realtime_sessions_unarchived ON realtime_sessions (ended_at)
  WHERE status = 'ended' AND transcript_ref IS NULL;
