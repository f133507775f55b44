-- TimescaleDB mode: agent_events_hourly is a continuous aggregate with the columns of the plain
-- mode table (migrations/0006_hourly_aggregates.sql), built from the same metric functions.
-- time_bucket('1 hour', …) on timestamptz buckets by UTC hour, as date_trunc('hour', …, 'UTC')
-- does in plain mode. Real-time aggregation (materialized_only = false) answers recent hours
-- from raw rows until the policy has materialized them.
--
-- The refresh policy covers the last 30 days only. Retention drops raw chunks older than that
-- (after archiving), and a refresh over a dropped range would erase its aggregates: the window
-- must never reach back past the retention horizon.

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_events_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket('1 hour', "timestamp")                               AS bucket,
       project_id, agent_id, event_type,
       count(*)                                                         AS event_count,
       count(*) FILTER (WHERE sluice_is_error(event_type, severity))    AS error_count,
       count(sluice_duration_ms(metrics))                               AS duration_count,
       sum(sluice_duration_ms(metrics))                                 AS duration_sum_ms,
       min(sluice_duration_ms(metrics))                                 AS duration_min_ms,
       max(sluice_duration_ms(metrics))                                 AS duration_max_ms,
       coalesce(sum(sluice_tokens_in(metrics)), 0)                      AS tokens_in,
       coalesce(sum(sluice_tokens_out(metrics)), 0)                     AS tokens_out,
       coalesce(sum(sluice_num(metrics, 'cacheReadTokens')), 0)         AS tokens_cache_read,
       coalesce(sum(sluice_num(metrics, 'cacheCreationTokens')), 0)     AS tokens_cache_write,
       coalesce(sum(sluice_cost_usd(metrics)), 0)                       AS cost_usd,
       count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity)) AS tool_failures,
       sluice_histogram_of(array_agg(sluice_latency_bucket(sluice_duration_ms(metrics)))) AS latency_histogram
FROM agent_events
GROUP BY 1, 2, 3, 4
WITH NO DATA;

SELECT add_continuous_aggregate_policy('agent_events_hourly',
    start_offset => INTERVAL '30 days',
    end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '5 minutes',
    if_not_exists => true);
