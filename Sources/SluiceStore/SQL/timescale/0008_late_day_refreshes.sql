-- TimescaleDB mode: the late days of timescale/0006 (events too old for the refresh policies) are
-- kept here until their refresh has succeeded. A step records its late days in its own
-- transaction; after it commits, the projector refreshes every pending day and removes it. A
-- refresh that fails (a lock timeout, a server stopping between the commit and the refresh) is
-- retried by the next step, so no committed late event stays out of the aggregates.
--
-- `requested` is the transaction that last asked for the day: a refresh removes the row only if no
-- later step asked again meanwhile (its events may have committed after the refresh began).

CREATE TABLE IF NOT EXISTS sluice_late_day_refreshes (
    day       date PRIMARY KEY,
    requested xid8 NOT NULL DEFAULT pg_current_xact_id()
);

-- Records the late days of the events stored by transactions in [from_xid, to_xid).
CREATE OR REPLACE FUNCTION sluice_request_late_days(from_xid xid8, to_xid xid8) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO sluice_late_day_refreshes (day)
    SELECT d FROM sluice_late_days(from_xid, to_xid) d
    ON CONFLICT (day) DO UPDATE SET requested = excluded.requested
$$;

-- The days to refresh, oldest first. A day retention dropped since it was asked for is forgotten:
-- its aggregates are the only copy of the dropped rows, and a refresh would erase them.
CREATE OR REPLACE FUNCTION sluice_pending_late_days() RETURNS TABLE (day date, requested xid8)
LANGUAGE sql AS $$
    DELETE FROM sluice_late_day_refreshes r
     USING sluice_archive_parts p WHERE p.day = r.day AND p.dropped_at IS NOT NULL;
    SELECT r.day, r.requested FROM sluice_late_day_refreshes r ORDER BY r.day;
$$;

-- Done with day d, unless a later step asked for it again.
CREATE OR REPLACE FUNCTION sluice_late_day_refreshed(d date, asked xid8) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM sluice_late_day_refreshes WHERE day = d AND requested = asked
$$;
