-- Plain mode: daily partitions of agent_events, kept ahead of the events that need them.
--
-- sluice_maintain_partitions(past, ahead) creates the partitions for every UTC day from
-- today - past to today + ahead, and carves out of the default partition any day that already
-- holds rows there (moving them into the new partition), so that the default partition is only a
-- landing place for events far outside the window. `sluice serve` calls it hourly and
-- `sluice migrate` once. In TimescaleDB mode it does nothing: chunks are created on demand.

DO $migration$
BEGIN
    IF sluice_mode() = 'plain' AND to_regclass('agent_events_default') IS NULL THEN
        CREATE TABLE agent_events_default PARTITION OF agent_events DEFAULT;
    END IF;
END
$migration$;

CREATE OR REPLACE FUNCTION sluice_create_day_partition(day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    part text := format('agent_events_p%s', to_char(day, 'YYYYMMDD'));
    lo   timestamptz := day::timestamp AT TIME ZONE 'UTC';
    hi   timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    -- Rows of that day may already sit in the default partition: move them, then attach.
    LOCK TABLE agent_events_default IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('CREATE TABLE %I (LIKE agent_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format(
        'WITH moved AS (DELETE FROM agent_events_default WHERE "timestamp" >= $1 AND "timestamp" < $2 RETURNING *)
         INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
    EXECUTE format('ALTER TABLE agent_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION sluice_maintain_partitions(past integer DEFAULT 35, ahead integer DEFAULT 7)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    today   date := (now() AT TIME ZONE 'UTC')::date;
    d       date;
    created integer := 0;
BEGIN
    IF sluice_mode() <> 'plain' THEN
        RETURN 0;
    END IF;
    -- One maintainer at a time, across every sluice process on this database.
    PERFORM pg_advisory_xact_lock(hashtext('sluice_maintain_partitions'));
    FOR d IN SELECT generate_series(today - past, today + ahead, interval '1 day')::date LOOP
        IF sluice_create_day_partition(d) THEN created := created + 1; END IF;
    END LOOP;
    FOR d IN SELECT DISTINCT ("timestamp" AT TIME ZONE 'UTC')::date FROM agent_events_default LOOP
        IF sluice_create_day_partition(d) THEN created := created + 1; END IF;
    END LOOP;
    RETURN created;
END
$$;
