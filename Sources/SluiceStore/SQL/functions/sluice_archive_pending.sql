-- Rows of day d not yet in any archive part: those whose transaction is not visible in the
-- newest part's snapshot. (Anything below the snapshot's xmin is visible, hence the index bound.)
CREATE OR REPLACE FUNCTION sluice_archive_pending(d date) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    snap pg_snapshot := sluice_archived_snapshot(d);
    n    bigint;
BEGIN
    IF snap IS NULL THEN
        SELECT count(*) INTO n FROM agent_events
         WHERE "timestamp" >= sluice_day_start(d) AND "timestamp" < sluice_day_start(d + 1);
    ELSE
        SELECT count(*) INTO n FROM agent_events
         WHERE "timestamp" >= sluice_day_start(d) AND "timestamp" < sluice_day_start(d + 1)
           AND ingest_xid >= pg_snapshot_xmin(snap)
           AND NOT pg_visible_in_snapshot(ingest_xid, snap);
    END IF;
    RETURN n;
END
$$;
