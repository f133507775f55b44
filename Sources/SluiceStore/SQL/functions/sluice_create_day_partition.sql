-- Plain mode: creates the partition of agent_events for UTC day `day` if missing, carving the
-- day's rows out of the default partition (locking agent_events first, waiting at most two seconds).
-- Returns whether it created one.
CREATE OR REPLACE FUNCTION sluice_create_day_partition(day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    part    text := format('agent_events_p%s', to_char(day, 'YYYYMMDD'));
    lo      timestamptz := day::timestamp AT TIME ZONE 'UTC';
    hi      timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
    waited  text := current_setting('lock_timeout');
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM set_config('lock_timeout', '2s', true);
    BEGIN
        LOCK TABLE ONLY agent_events IN ACCESS EXCLUSIVE MODE;
        LOCK TABLE ONLY agent_events_default IN ACCESS EXCLUSIVE MODE;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM set_config('lock_timeout', waited, true);
        RAISE NOTICE 'partition % not created: agent_events is busy (next maintenance retries)', part;
        RETURN false;
    END;
    PERFORM set_config('lock_timeout', waited, true);
    -- Another session may have created it while this one waited for the locks.
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE agent_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format(
        'WITH moved AS (DELETE FROM agent_events_default WHERE "timestamp" >= $1 AND "timestamp" < $2 RETURNING *)
         INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
    EXECUTE format('ALTER TABLE agent_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    RETURN true;
END
$$;
