-- Plain mode: daily partitions of agent_events, kept ahead of the events that need them.
--
-- sluice_maintain_partitions(past, ahead) creates the partitions for every UTC day from
-- today - past to today + ahead, and carves out of the default partition any day that already
-- holds rows there (moving them into the new partition), so that the default partition is only a
-- landing place for events far outside the window. `sluice serve` calls it hourly and
-- `sluice migrate` once. In TimescaleDB mode it does nothing: chunks are created on demand.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

DO $migration$
BEGIN
    IF (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' AND to_regclass('agent_events_default') IS NULL THEN
        CREATE TABLE agent_events_default PARTITION OF agent_events DEFAULT;
    END IF;
END
$migration$;
