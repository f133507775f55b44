-- TimescaleDB mode: agent_events_hourly_all_projects and agent_events_daily_all_projects
-- (migrations/0016_dashboard_rollups.sql) as hierarchical continuous aggregates, with the columns
-- of the plain mode tables: each row the sum over projects of a bucket's rows for one agent and
-- event type (the hourly one on agent_events_hourly, the daily one on the hourly one). The
-- dashboards read them when every project is selected. Histograms are summed with built-in sums
-- (see timescale/0004). Same refresh window rule as the other aggregates: never past the
-- retention horizon.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_events_hourly_all_projects
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket('1 hour', bucket)                AS bucket,
       agent_id, event_type,
       sum(event_count)::bigint                     AS event_count,
       sum(error_count)::bigint                     AS error_count,
       sum(duration_count)::bigint                  AS duration_count,
       sum(duration_sum_ms)                         AS duration_sum_ms,
       min(duration_min_ms)                         AS duration_min_ms,
       max(duration_max_ms)                         AS duration_max_ms,
       sum(tokens_in)                               AS tokens_in,
       sum(tokens_out)                              AS tokens_out,
       sum(tokens_cache_read)                       AS tokens_cache_read,
       sum(tokens_cache_write)                      AS tokens_cache_write,
       sum(cost_usd)                                AS cost_usd,
       sum(tool_failures)::bigint                   AS tool_failures,
       ARRAY[sum(latency_histogram[1]), sum(latency_histogram[2]), sum(latency_histogram[3]), sum(latency_histogram[4]),
             sum(latency_histogram[5]), sum(latency_histogram[6]), sum(latency_histogram[7]), sum(latency_histogram[8]),
             sum(latency_histogram[9]), sum(latency_histogram[10]), sum(latency_histogram[11]), sum(latency_histogram[12]),
             sum(latency_histogram[13]), sum(latency_histogram[14]), sum(latency_histogram[15]), sum(latency_histogram[16]),
             sum(latency_histogram[17]), sum(latency_histogram[18]), sum(latency_histogram[19]), sum(latency_histogram[20]),
             sum(latency_histogram[21]), sum(latency_histogram[22]), sum(latency_histogram[23]), sum(latency_histogram[24]),
             sum(latency_histogram[25]), sum(latency_histogram[26]), sum(latency_histogram[27]), sum(latency_histogram[28]),
             sum(latency_histogram[29]), sum(latency_histogram[30]), sum(latency_histogram[31]), sum(latency_histogram[32])]::bigint[] AS latency_histogram
FROM agent_events_hourly
GROUP BY 1, 2, 3
WITH NO DATA;

SELECT add_continuous_aggregate_policy('agent_events_hourly_all_projects',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '5 minutes', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_events_daily_all_projects
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket('1 day', bucket)                 AS bucket,
       agent_id, event_type,
       sum(event_count)::bigint                     AS event_count,
       sum(error_count)::bigint                     AS error_count,
       sum(duration_count)::bigint                  AS duration_count,
       sum(duration_sum_ms)                         AS duration_sum_ms,
       min(duration_min_ms)                         AS duration_min_ms,
       max(duration_max_ms)                         AS duration_max_ms,
       sum(tokens_in)                               AS tokens_in,
       sum(tokens_out)                              AS tokens_out,
       sum(tokens_cache_read)                       AS tokens_cache_read,
       sum(tokens_cache_write)                      AS tokens_cache_write,
       sum(cost_usd)                                AS cost_usd,
       sum(tool_failures)::bigint                   AS tool_failures,
       ARRAY[sum(latency_histogram[1]), sum(latency_histogram[2]), sum(latency_histogram[3]), sum(latency_histogram[4]),
             sum(latency_histogram[5]), sum(latency_histogram[6]), sum(latency_histogram[7]), sum(latency_histogram[8]),
             sum(latency_histogram[9]), sum(latency_histogram[10]), sum(latency_histogram[11]), sum(latency_histogram[12]),
             sum(latency_histogram[13]), sum(latency_histogram[14]), sum(latency_histogram[15]), sum(latency_histogram[16]),
             sum(latency_histogram[17]), sum(latency_histogram[18]), sum(latency_histogram[19]), sum(latency_histogram[20]),
             sum(latency_histogram[21]), sum(latency_histogram[22]), sum(latency_histogram[23]), sum(latency_histogram[24]),
             sum(latency_histogram[25]), sum(latency_histogram[26]), sum(latency_histogram[27]), sum(latency_histogram[28]),
             sum(latency_histogram[29]), sum(latency_histogram[30]), sum(latency_histogram[31]), sum(latency_histogram[32])]::bigint[] AS latency_histogram
FROM agent_events_hourly_all_projects
GROUP BY 1, 2, 3
WITH NO DATA;

SELECT add_continuous_aggregate_policy('agent_events_daily_all_projects',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 day',
    schedule_interval => INTERVAL '1 hour', if_not_exists => true);
