-- The newest archived part's snapshot of a day (NULL: never archived).
CREATE OR REPLACE FUNCTION sluice_archived_snapshot(d date) RETURNS pg_snapshot
LANGUAGE sql STABLE AS $$
    SELECT snapshot FROM sluice_archive_parts WHERE day = d ORDER BY part DESC LIMIT 1
$$;
