-- TimescaleDB mode: the late days of timescale/0006 (events too old for the refresh policies) are
-- kept here until their refresh has succeeded. A step records its late days in its own
-- transaction; after it commits, the projector refreshes every pending day and removes it. A
-- refresh that fails (a lock timeout, a server stopping between the commit and the refresh) is
-- retried by the next step, so no committed late event stays out of the aggregates.
--
-- `requested` is the transaction that last asked for the day: a refresh removes the row only if no
-- later step asked again meanwhile (its events may have committed after the refresh began).
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

CREATE TABLE IF NOT EXISTS sluice_late_day_refreshes (
    day       date PRIMARY KEY,
    requested xid8 NOT NULL DEFAULT pg_current_xact_id()
);
