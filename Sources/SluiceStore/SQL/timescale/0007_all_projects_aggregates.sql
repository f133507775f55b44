-- TimescaleDB mode: agent_events_hourly_all_projects and agent_events_daily_all_projects
-- (migrations/0016_dashboard_rollups.sql) as hierarchical continuous aggregates, with the columns
-- of the plain mode tables: each row the sum over projects of a bucket's rows for one agent and
-- event type (the hourly one on agent_events_hourly, the daily one on the hourly one). The
-- dashboards read them when every project is selected. Histograms are summed with built-in sums
-- (see timescale/0004). Same refresh window rule as the other aggregates: never past the
-- retention horizon.

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

-- The continuous aggregates built on other continuous aggregates (the daily and all-projects
-- rollups) whose materialization holds nothing. A migration creates them WITH NO DATA (a refresh
-- cannot run in its transaction) and the policies reach back 30 days only, so on a database that
-- already holds data `sluice migrate` refreshes these over their whole range after applying the
-- files. That is safe even past days retention dropped: their source is the parent's
-- materialization, which keeps those days.
CREATE OR REPLACE FUNCTION sluice_unmaterialized_rollups() RETURNS SETOF text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
    empty boolean;
BEGIN
    FOR c IN
        SELECT a.user_view_name AS name, format('%I.%I', m.schema_name, m.table_name) AS mat
          FROM _timescaledb_catalog.continuous_agg a
          JOIN _timescaledb_catalog.hypertable m ON m.id = a.mat_hypertable_id
         WHERE a.user_view_schema = current_schema()
           AND EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_agg p WHERE p.mat_hypertable_id = a.raw_hypertable_id)
    LOOP
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s)', c.mat) INTO empty;
        IF empty THEN
            RETURN NEXT c.name;
        END IF;
    END LOOP;
END
$$;
