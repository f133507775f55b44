-- Projections that no stored event can stall (issue 13).
--
-- Until now one event that a fold could not take (a timestamp PostgreSQL cannot print, a number
-- that overflows a column) failed its part's step, and every step after it, for every tenant,
-- until someone deleted the row by hand. Now a step that fails on its data isolates the events
-- that fail: it folds its range again in halves, each under a savepoint, down to single events,
-- keeps what folds, and records each event that still fails in projector_dead_letters (in the
-- step's own transaction, with its new position). The part goes on; `sluice projections
-- failures` lists the dead letters, `sluice projections retry` folds them again after a fix, and
-- a rebuild folds the whole log again, dead letters included.
--
-- * sluice_fold_events(from_xid, to_xid, only_ids, only_times): the events a fold reads, one
--   definition for every fold: those stored by transactions in [from_xid, to_xid), and, when
--   only_ids is given, only the events with these keys (id, timestamp: parallel arrays). An SQL
--   function that PostgreSQL inlines into its callers: with only_ids NULL the filter is folded
--   away and the plan is the one of the direct read.
-- * The folds take the same two optional arrays: sluice_event_facts, sluice_project_aggregates,
--   sluice_project_hierarchy, sluice_project_chat, sluice_session_partials (their bodies are those
--   of 0012, 0016 and 0020, reading through sluice_fold_events).
-- * projector_positions says how each part is doing: when it last stepped and caught up, how
--   long its last step took, and its consecutive failures with the last error.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

CREATE TABLE IF NOT EXISTS projector_dead_letters (
    projector        text NOT NULL,
    event_id         uuid NOT NULL,
    event_timestamp  timestamptz NOT NULL,
    ingest_xid       xid8 NOT NULL,
    sql_state        text,
    error            text NOT NULL,
    first_failed_at  timestamptz NOT NULL DEFAULT now(),
    last_failed_at   timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 1,
    PRIMARY KEY (projector, event_id, event_timestamp)
);
CREATE INDEX IF NOT EXISTS projector_dead_letters_day_idx ON projector_dead_letters (event_timestamp);

ALTER TABLE projector_positions
    ADD COLUMN IF NOT EXISTS stepped_at    timestamptz,
    ADD COLUMN IF NOT EXISTS caught_up_at  timestamptz,
    ADD COLUMN IF NOT EXISTS step_seconds  double precision,
    ADD COLUMN IF NOT EXISTS failures      bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS last_error    text,
    ADD COLUMN IF NOT EXISTS last_error_at timestamptz;

-- A chat session's tokens add up every message's input and output tokens: a long session passes
-- 2^31 (found by the property test: such a session's messages failed the chat part).
ALTER TABLE chat_sessions ALTER COLUMN total_tokens TYPE bigint;

-- The folds' new signatures replace the old ones (a default argument would make every old call
-- ambiguous between the two).
DROP FUNCTION IF EXISTS sluice_project_aggregates(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_event_facts(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_project_hierarchy(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_project_chat(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_session_partials(xid8, xid8);
