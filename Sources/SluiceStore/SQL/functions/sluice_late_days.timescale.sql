-- TimescaleDB mode: the UTC days of the events stored by transactions in [from_xid, to_xid) that no
-- continuous aggregate would show otherwise: below the policies' window start, a watermark or an
-- invalidation threshold (see timescale/0009). Days that retention dropped are left out: their
-- aggregates are the only copy of their rows.
CREATE OR REPLACE FUNCTION sluice_late_days(from_xid xid8, to_xid xid8) RETURNS SETOF date
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT (e."timestamp" AT TIME ZONE 'UTC')::date
    FROM agent_events e
    WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid
      AND e."timestamp" < sluice_late_before()
      AND NOT EXISTS (SELECT 1 FROM sluice_archive_parts p
                      WHERE p.day = (e."timestamp" AT TIME ZONE 'UTC')::date AND p.dropped_at IS NOT NULL)
    ORDER BY 1
$$;
