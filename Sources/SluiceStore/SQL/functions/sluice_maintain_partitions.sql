-- Plain mode: creates the partitions for every UTC day from today - past to today + ahead, and
-- carves out of the default partition any day that already holds rows there, so that the default
-- partition is only a landing place for events far outside the window. `sluice serve` calls it
-- hourly and `sluice migrate` once. In TimescaleDB mode it does nothing: chunks are created on
-- demand. Returns the partitions created.
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
