-- Sluice bookkeeping: applied migrations are tracked by the migrator in sluice_migrations
-- (created by the migrator itself, before this file). This file holds settings recorded at
-- migrate time, such as the database mode.

CREATE TABLE IF NOT EXISTS sluice_meta (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- 'plain' (native partitions, projector-maintained rollups) or 'timescale' (hypertable,
-- compression, continuous aggregates). Recorded by `sluice migrate` before any migration runs.
CREATE OR REPLACE FUNCTION sluice_mode() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value FROM sluice_meta WHERE key = 'mode'), 'plain')
$$;
