-- The days to refresh, oldest first. A day retention dropped since it was asked for is forgotten:
-- its aggregates are the only copy of the dropped rows, and a refresh would erase them.
CREATE OR REPLACE FUNCTION sluice_pending_late_days() RETURNS TABLE (day date, requested xid8)
LANGUAGE sql AS $$
    DELETE FROM sluice_late_day_refreshes r
     USING sluice_archive_parts p WHERE p.day = r.day AND p.dropped_at IS NOT NULL;
    SELECT r.day, r.requested FROM sluice_late_day_refreshes r ORDER BY r.day;
$$;
