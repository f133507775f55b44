-- The cold archive's catalog and the retention log (both modes).
--
-- A segment is one UTC day of agent_events. It is archived in parts: part 1 holds the rows
-- visible in the snapshot taken when it was exported; part k holds the rows visible in its own
-- snapshot and not in part k-1's (events that arrived late, after the day was archived). So the
-- parts of a day never overlap, and a row is archived exactly when its ingest_xid is visible in
-- the newest part's snapshot (sluice_archive_pending below). Restored rows keep their original
-- ingest_xid, so they count as archived and the projectors, which counted them once, skip them.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

CREATE TABLE IF NOT EXISTS sluice_archive_parts (
    day            date        NOT NULL,
    part           integer     NOT NULL CHECK (part > 0),
    snapshot       pg_snapshot NOT NULL,
    rows           bigint      NOT NULL,
    min_event_time timestamptz,
    max_event_time timestamptz,
    payload_bytes  bigint      NOT NULL,
    file_bytes     bigint      NOT NULL,
    sha256         text        NOT NULL,
    file           text        NOT NULL,
    manifest       jsonb       NOT NULL,
    archived_at    timestamptz NOT NULL DEFAULT now(),
    verified_at    timestamptz,
    dropped_at     timestamptz,
    PRIMARY KEY (day, part)
);

-- One row per day a retention run considered: what it dropped, or why it did not.
CREATE TABLE IF NOT EXISTS sluice_retention_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_at    timestamptz NOT NULL DEFAULT now(),
    day       date        NOT NULL,
    action    text        NOT NULL CHECK (action IN ('dropped', 'skipped', 'would_drop')),
    rows      bigint,
    reason    text,
    manifests jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS sluice_retention_log_day_idx ON sluice_retention_log (day);

-- sluice_drop_archived_day(d), which drops an archived day's raw rows, is defined in
-- 0014_archive_guards.sql (with the TimescaleDB aggregate checks).

-- Names this database in the archive directories it writes, so that two databases never share one.
INSERT INTO sluice_meta (key, value) VALUES ('installation_id', gen_random_uuid()::text)
ON CONFLICT (key) DO NOTHING;
