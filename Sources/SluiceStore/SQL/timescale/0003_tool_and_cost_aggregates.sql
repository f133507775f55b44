-- TimescaleDB mode: agent_tools_hourly and agent_costs_daily as continuous aggregates with the
-- columns and definitions of the plain mode tables (migrations/0008). Same refresh window rule
-- as agent_events_hourly: never past the retention horizon.

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_tools_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket('1 hour', "timestamp")                               AS bucket,
       project_id, agent_id, sluice_tool_name(data)                     AS tool_name,
       count(*)                                                         AS uses,
       count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity)) AS failures,
       count(sluice_duration_ms(metrics))                               AS duration_count,
       sum(sluice_duration_ms(metrics))                                 AS duration_sum_ms,
       sluice_histogram_of(array_agg(sluice_latency_bucket(sluice_duration_ms(metrics)))) AS latency_histogram
FROM agent_events
WHERE event_type IN ('tool_use', 'tool_invocation')
GROUP BY 1, 2, 3, 4
WITH NO DATA;

SELECT add_continuous_aggregate_policy('agent_tools_hourly',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '5 minutes', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_costs_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket('1 day', "timestamp")                                AS day,
       project_id, agent_id, sluice_model(data, metrics, context)       AS model,
       count(*)                                                         AS events,
       count(*) FILTER (WHERE event_type = 'llm_request')               AS llm_requests,
       coalesce(sum(sluice_tokens_in(metrics)), 0)                      AS tokens_in,
       coalesce(sum(sluice_tokens_out(metrics)), 0)                     AS tokens_out,
       coalesce(sum(sluice_num(metrics, 'cacheReadTokens')), 0)         AS tokens_cache_read,
       coalesce(sum(sluice_num(metrics, 'cacheCreationTokens')), 0)     AS tokens_cache_write,
       coalesce(sum(sluice_cost_usd(metrics)), 0)                       AS cost_usd
FROM agent_events
WHERE sluice_cost_usd(metrics) IS NOT NULL OR sluice_tokens_in(metrics) IS NOT NULL
   OR sluice_tokens_out(metrics) IS NOT NULL OR event_type = 'llm_request'
GROUP BY 1, 2, 3, 4
WITH NO DATA;

SELECT add_continuous_aggregate_policy('agent_costs_daily',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '30 minutes', if_not_exists => true);
