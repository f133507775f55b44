-- TimescaleDB mode: agent_events_daily and agent_tools_daily as hierarchical continuous
-- aggregates on the hourly ones, with the columns of the plain mode tables
-- (migrations/0012_fast_projections.sql): a daily row is the sum of its UTC day's hourly rows.
-- Long ranges (the dashboards' month, GET /v1/metrics/daily, GET /v1/tools over whole days)
-- read these instead of 24 times as many hourly rows.
--
-- Histograms are summed bucket by bucket with built-in sums: with sluice_histogram_sum (a PL/pgSQL
-- transition function) in the definition, every refresh of a daily aggregate failed on 2.28.3 with
-- "invalid transaction termination".
--
-- Same refresh window rule as the hourly aggregates: never past the retention horizon, so a
-- refresh never recomputes a day whose hourly rows outlived their raw chunks.

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_events_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket('1 day', bucket)                 AS bucket,
       project_id, agent_id, event_type,
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
GROUP BY 1, 2, 3, 4
WITH NO DATA;

SELECT add_continuous_aggregate_policy('agent_events_daily',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 day',
    schedule_interval => INTERVAL '1 hour', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_tools_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket('1 day', bucket)                 AS bucket,
       project_id, agent_id, tool_name,
       sum(uses)::bigint                            AS uses,
       sum(failures)::bigint                        AS failures,
       sum(duration_count)::bigint                  AS duration_count,
       sum(duration_sum_ms)                         AS duration_sum_ms,
       ARRAY[sum(latency_histogram[1]), sum(latency_histogram[2]), sum(latency_histogram[3]), sum(latency_histogram[4]),
             sum(latency_histogram[5]), sum(latency_histogram[6]), sum(latency_histogram[7]), sum(latency_histogram[8]),
             sum(latency_histogram[9]), sum(latency_histogram[10]), sum(latency_histogram[11]), sum(latency_histogram[12]),
             sum(latency_histogram[13]), sum(latency_histogram[14]), sum(latency_histogram[15]), sum(latency_histogram[16]),
             sum(latency_histogram[17]), sum(latency_histogram[18]), sum(latency_histogram[19]), sum(latency_histogram[20]),
             sum(latency_histogram[21]), sum(latency_histogram[22]), sum(latency_histogram[23]), sum(latency_histogram[24]),
             sum(latency_histogram[25]), sum(latency_histogram[26]), sum(latency_histogram[27]), sum(latency_histogram[28]),
             sum(latency_histogram[29]), sum(latency_histogram[30]), sum(latency_histogram[31]), sum(latency_histogram[32])]::bigint[] AS latency_histogram
FROM agent_tools_hourly
GROUP BY 1, 2, 3, 4
WITH NO DATA;

SELECT add_continuous_aggregate_policy('agent_tools_daily',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 day',
    schedule_interval => INTERVAL '1 hour', if_not_exists => true);
