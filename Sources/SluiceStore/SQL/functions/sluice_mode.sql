-- 'plain' (native partitions, projector-maintained rollups) or 'timescale' (hypertable,
-- compression, continuous aggregates). Recorded by `sluice migrate` before any migration runs.
CREATE OR REPLACE FUNCTION sluice_mode() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value FROM sluice_meta WHERE key = 'mode'), 'plain')
$$;
