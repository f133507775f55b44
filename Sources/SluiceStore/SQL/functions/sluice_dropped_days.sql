-- The [lo, hi) time ranges of the days whose raw rows retention dropped (archived, then dropped).
CREATE OR REPLACE FUNCTION sluice_dropped_days() RETURNS TABLE (lo timestamptz, hi timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT sluice_day_start(day), sluice_day_start(day + 1)
      FROM sluice_archive_parts WHERE dropped_at IS NOT NULL
$$;
