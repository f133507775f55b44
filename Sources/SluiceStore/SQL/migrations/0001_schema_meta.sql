-- Sluice bookkeeping: applied migrations are tracked by the migrator in sluice_migrations
-- (created by the migrator itself, before this file). This file holds settings recorded at
-- migrate time, such as the database mode.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

CREATE TABLE IF NOT EXISTS sluice_meta (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
