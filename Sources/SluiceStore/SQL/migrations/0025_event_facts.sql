-- The fact columns of agent_events: the hot fields every projection reads (tokens, cost,
-- duration, model, tool, failure, whether the session fold takes the event in bulk), extracted
-- once by the writer (Sources/SluiceCore/EventFacts.swift, under the rules of the SQL metric
-- functions) so that no fold parses jsonb for them.
--
-- facts: the version of those rules that filled the columns (1), or NULL for a row stored
-- without them: every row stored before this migration, a row restored from an archive part
-- (parts hold the event as posted: CopyBinaryEncoder.logColumns and ingest_xid), and an event the
-- writer could not read exactly as PostgreSQL does (EventFacts). The folds read such a row's
-- jsonb with the metric functions instead (functions/sluice_fold_facts.sql), so old rows are
-- never rewritten.
--
-- Nullable columns without a default: adding them rewrites nothing, in a partitioned table or in
-- a hypertable with compressed chunks alike (one column a statement, as TimescaleDB asks).
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS facts smallint;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS duration_ms numeric;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS tokens_in numeric;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS tokens_out numeric;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS tokens_cache_read numeric;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS tokens_cache_write numeric;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS cost_usd numeric;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS model text;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS tool_name text;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS tool_failure boolean;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS session_simple boolean;
