-- The rows the archiver exports for the part it is writing, in archive order. COPY cannot take
-- bind parameters, so the day and the previous part's snapshot come from settings the archiver
-- sets with set_config() (sluice.archive_day, and sluice.archive_after, empty or unset for part 1).
-- Sorted by project, event type and session: rows that look alike sit together, which measured
-- 5% smaller with LZ4 than session order and 13% smaller than time order (see docs/archive-and-retention.md).
CREATE OR REPLACE FUNCTION sluice_archive_rows()
RETURNS TABLE (id uuid, "timestamp" timestamptz, event_type text, agent_id text, agent_version text,
               session_id uuid, project_id integer, context jsonb, data jsonb, metrics jsonb,
               parent_event_id uuid, related_event_ids text[], tags text[], severity text, ingest_xid xid8)
LANGUAGE sql STABLE AS $$
    SELECT e.id, e."timestamp", e.event_type, e.agent_id, e.agent_version, e.session_id, e.project_id,
           e.context, e.data, e.metrics, e.parent_event_id, e.related_event_ids, e.tags, e.severity, e.ingest_xid
      FROM agent_events e
     WHERE e."timestamp" >= sluice_day_start(current_setting('sluice.archive_day')::date)
       AND e."timestamp" < sluice_day_start(current_setting('sluice.archive_day')::date + 1)
       AND (nullif(current_setting('sluice.archive_after', true), '') IS NULL
            OR NOT pg_visible_in_snapshot(e.ingest_xid, nullif(current_setting('sluice.archive_after', true), '')::pg_snapshot))
     ORDER BY e.project_id, e.event_type, e.session_id, e."timestamp", e.id
$$;
