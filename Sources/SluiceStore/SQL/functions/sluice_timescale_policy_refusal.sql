-- TimescaleDB: why no refresh may follow a drop of day d, or NULL: a refresh over a range whose
-- chunks are gone recomputes it from nothing and erases its aggregates, so no refresh policy of an
-- aggregate on agent_events may reach the day (a policy without a start_offset reaches every day).
-- NULL in plain mode. Part of sluice_timescale_drop_refusal; retention's dry run asks it alone for a
-- dropped day with late rows, which a real run restores first.
CREATE OR REPLACE FUNCTION sluice_timescale_policy_refusal(d date) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    hi       timestamptz := sluice_day_start(d + 1);
    policies text;
BEGIN
    IF sluice_mode() <> 'timescale' THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(format('%s (start_offset %s)', j.hypertable_name, coalesce(j.config->>'start_offset', 'unset: unbounded')),
                      ', ' ORDER BY j.hypertable_name)
      INTO policies
      FROM timescaledb_information.jobs j
      JOIN timescaledb_information.continuous_aggregates c
        ON c.view_schema = j.hypertable_schema AND c.view_name = j.hypertable_name
     WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
       AND c.hypertable_schema = current_schema() AND c.hypertable_name = 'agent_events'
       AND (j.config->>'start_offset' IS NULL OR hi > now() - (j.config->>'start_offset')::interval);
    IF policies IS NOT NULL THEN
        RETURN format('day %s is inside the refresh window of the continuous aggregate policies of %s; a refresh '
                      'after the drop would erase its aggregates. Keep SLUICE_RETENTION_DAYS above every policy''s '
                      'start_offset (30 days in timescale/), and give every policy a start_offset', d, policies);
    END IF;
    RETURN NULL;
END
$$;
