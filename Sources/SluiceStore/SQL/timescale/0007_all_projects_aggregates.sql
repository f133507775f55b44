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

-- sluice_rollup (migrations/0016) for TimescaleDB mode: the same rows, from one continuous aggregate
-- chosen before planning. A continuous aggregate is a real-time union (its materialization, and its
-- query over its source past the watermark, one level per hierarchy step); planned as a query of
-- its own it takes about 2 ms, but inlined into 0016's UNION ALL TimescaleDB planned the real-time
-- branch over every raw chunk of every level: 70 ms of planning for a 30-day panel on 26,000 events
-- (TimescaleDB 2.28.3). PL/pgSQL plans only the branch taken.
CREATE OR REPLACE FUNCTION sluice_rollup(range_from timestamptz, range_to timestamptz, projects text, agent text)
RETURNS TABLE (
    bucket timestamptz, agent_id text, event_type text, event_count bigint, error_count bigint, duration_count bigint,
    duration_sum_ms numeric, duration_min_ms numeric, duration_max_ms numeric, tokens_in numeric, tokens_out numeric,
    tokens_cache_read numeric, tokens_cache_write numeric, cost_usd numeric, tool_failures bigint, latency_histogram bigint[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    ids integer[] := CASE WHEN projects <> '*' THEN string_to_array(replace(projects, ' ', ''), ',')::integer[] END;
BEGIN
    IF range_to - range_from <= interval '3 days' AND ids IS NULL THEN
        RETURN QUERY
            SELECT r.bucket, r.agent_id, r.event_type, r.event_count, r.error_count, r.duration_count, r.duration_sum_ms,
                   r.duration_min_ms, r.duration_max_ms, r.tokens_in, r.tokens_out, r.tokens_cache_read, r.tokens_cache_write,
                   r.cost_usd, r.tool_failures, r.latency_histogram
              FROM agent_events_hourly_all_projects r
             WHERE r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent);
    ELSIF range_to - range_from <= interval '3 days' THEN
        RETURN QUERY
            SELECT r.bucket, r.agent_id, r.event_type, r.event_count, r.error_count, r.duration_count, r.duration_sum_ms,
                   r.duration_min_ms, r.duration_max_ms, r.tokens_in, r.tokens_out, r.tokens_cache_read, r.tokens_cache_write,
                   r.cost_usd, r.tool_failures, r.latency_histogram
              FROM agent_events_hourly r
             WHERE r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent) AND r.project_id = ANY(ids);
    ELSIF ids IS NULL THEN
        RETURN QUERY
            SELECT r.bucket, r.agent_id, r.event_type, r.event_count, r.error_count, r.duration_count, r.duration_sum_ms,
                   r.duration_min_ms, r.duration_max_ms, r.tokens_in, r.tokens_out, r.tokens_cache_read, r.tokens_cache_write,
                   r.cost_usd, r.tool_failures, r.latency_histogram
              FROM agent_events_daily_all_projects r
             WHERE r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent);
    ELSE
        RETURN QUERY
            SELECT r.bucket, r.agent_id, r.event_type, r.event_count, r.error_count, r.duration_count, r.duration_sum_ms,
                   r.duration_min_ms, r.duration_max_ms, r.tokens_in, r.tokens_out, r.tokens_cache_read, r.tokens_cache_write,
                   r.cost_usd, r.tool_failures, r.latency_histogram
              FROM agent_events_daily r
             WHERE r.bucket BETWEEN range_from AND range_to AND (agent = '*' OR r.agent_id = agent) AND r.project_id = ANY(ids);
    END IF;
END
$$;
