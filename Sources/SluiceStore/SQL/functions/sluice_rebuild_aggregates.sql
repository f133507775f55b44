-- A rebuild empties, refolds and keeps (for dropped days) the all-projects rollups too.
CREATE OR REPLACE FUNCTION sluice_rebuild_aggregates() RETURNS TABLE (name text, time_column text)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('agent_events_hourly', 'bucket'), ('agent_events_daily', 'bucket'), ('agent_events_hourly_all_projects', 'bucket'),
           ('agent_events_daily_all_projects', 'bucket'), ('agent_tools_hourly', 'bucket'), ('agent_tools_daily', 'bucket'),
           ('agent_costs_daily', 'day')
$$;
