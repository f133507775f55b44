-- agent_sessions as a projection of the log (see Sources/SluiceProjections/SessionFold.swift).
--
-- `metrics` holds the session's counters (events by type, LLM requests, tokens, cost in USD,
-- tool calls and failures, files read and written, commands, errors, tests, builds). `fold` holds
-- what merging needs besides them (which events were first and last, the declared outcome, the
-- last test or build verdict): the projector merges new events into a session without
-- re-reading its old ones, so sessions survive retention of the raw events they came from.
-- `last_event_at` is the latest event; `end_time` is the session_end event, or the last event once
-- the session has been idle past the projector's idle timeout.

ALTER TABLE agent_sessions ADD COLUMN IF NOT EXISTS last_event_at timestamptz;
ALTER TABLE agent_sessions ADD COLUMN IF NOT EXISTS fold jsonb NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS agent_sessions_open_idx ON agent_sessions (last_event_at) WHERE end_time IS NULL;
