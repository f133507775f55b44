-- TimescaleDB mode: the UTC days of the events stored by transactions in [from_xid, to_xid) that
-- the refresh policies will never materialize, because they lie before the policies' window
-- (start_offset before now): events already that old when they arrive, an import of old
-- transcripts for example. The projector refreshes these days itself after its step. Days that
-- retention dropped are left out: their aggregates are the only copy of the dropped rows, and a
-- refresh would recompute them from the late rows alone (`sluice archive restore` the day first).
CREATE OR REPLACE FUNCTION sluice_late_days(from_xid xid8, to_xid xid8) RETURNS SETOF date
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT (e."timestamp" AT TIME ZONE 'UTC')::date
    FROM agent_events e
    WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid
      AND e."timestamp" < (SELECT min(now() - (j.config ->> 'start_offset')::interval)
                           FROM timescaledb_information.jobs j
                           WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND j.config ->> 'start_offset' IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM sluice_archive_parts p
                      WHERE p.day = (e."timestamp" AT TIME ZONE 'UTC')::date AND p.dropped_at IS NOT NULL)
    ORDER BY 1
$$;
