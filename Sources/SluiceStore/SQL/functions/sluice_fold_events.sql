-- The events a fold reads, one definition for every fold: those stored by transactions in
-- [from_xid, to_xid), and, when only_ids is given, only the events with these keys (id, timestamp:
-- parallel arrays). An SQL function that PostgreSQL inlines into its callers: with only_ids NULL the
-- filter is folded away and the plan is the one of the direct read.
CREATE OR REPLACE FUNCTION sluice_fold_events(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL)
RETURNS SETOF agent_events
LANGUAGE sql STABLE AS $$
    SELECT e.* FROM agent_events e
    WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid
      AND (only_ids IS NULL OR (e.id, e."timestamp") IN (SELECT k.id, k.ts FROM unnest(only_ids, only_times) AS k (id, ts)))
$$;
