-- The rows of one archived part still in the log, and their key digest (verify compares both with
-- the manifest). The same rows as sluice_archived_part_rows() of 0011.
CREATE OR REPLACE FUNCTION sluice_archived_part_digest(d date, k integer, OUT rows bigint, OUT digest text)
LANGUAGE sql STABLE AS $$
    SELECT count(*), sluice_key_digest(sum(sluice_key_hash(e.id, e."timestamp")))::text
      FROM agent_events e, sluice_archive_parts p
     WHERE p.day = d AND p.part = k
       AND e."timestamp" >= sluice_day_start(d) AND e."timestamp" < sluice_day_start(d + 1)
       AND pg_visible_in_snapshot(e.ingest_xid, p.snapshot)
       AND NOT coalesce(pg_visible_in_snapshot(e.ingest_xid,
               (SELECT q.snapshot FROM sluice_archive_parts q WHERE q.day = d AND q.part = k - 1)), false)
$$;
