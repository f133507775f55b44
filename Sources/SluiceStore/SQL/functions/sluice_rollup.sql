-- The dashboards' rollup (plain mode): agent_events_* rows for [range_from, range_to] from the
-- smallest table that answers, hourly up to 3 days and daily beyond, all-projects when
-- `projects` is '*'. `projects` is '*' or a comma-separated list of project ids (Grafana's
-- ${project:csv}); `agent` is '*' or one agent id. TimescaleDB mode: sluice_rollup.timescale.sql.
CREATE OR REPLACE FUNCTION sluice_rollup(range_from timestamptz, range_to timestamptz, projects text, agent text)
RETURNS TABLE (
    bucket timestamptz, agent_id text, event_type text, event_count bigint, error_count bigint, duration_count bigint,
    duration_sum_ms numeric, duration_min_ms numeric, duration_max_ms numeric, tokens_in numeric, tokens_out numeric,
    tokens_cache_read numeric, tokens_cache_write numeric, cost_usd numeric, tool_failures bigint, latency_histogram bigint[])
LANGUAGE sql STABLE AS $$
    SELECT bucket, agent_id, event_type, event_count, error_count, duration_count, duration_sum_ms, duration_min_ms,
           duration_max_ms, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, tool_failures,
           latency_histogram
      FROM agent_events_hourly_all_projects r
     WHERE range_to - range_from <= interval '3 days' AND projects = '*'
       AND r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent)
    UNION ALL
    SELECT bucket, agent_id, event_type, event_count, error_count, duration_count, duration_sum_ms, duration_min_ms,
           duration_max_ms, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, tool_failures,
           latency_histogram
      FROM agent_events_hourly r
     WHERE range_to - range_from <= interval '3 days' AND projects <> '*'
       AND r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent)
       AND sluice_in_projects(r.project_id, projects)
    UNION ALL
    SELECT bucket, agent_id, event_type, event_count, error_count, duration_count, duration_sum_ms, duration_min_ms,
           duration_max_ms, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, tool_failures,
           latency_histogram
      FROM agent_events_daily_all_projects r
     WHERE range_to - range_from > interval '3 days' AND projects = '*'
       AND r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent)
    UNION ALL
    SELECT bucket, agent_id, event_type, event_count, error_count, duration_count, duration_sum_ms, duration_min_ms,
           duration_max_ms, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, tool_failures,
           latency_histogram
      FROM agent_events_daily r
     WHERE range_to - range_from > interval '3 days' AND projects <> '*'
       AND r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent)
       AND sluice_in_projects(r.project_id, projects)
$$;
