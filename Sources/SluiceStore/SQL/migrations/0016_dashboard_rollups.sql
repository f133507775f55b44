-- Dashboards that answer in a few milliseconds (issue 3: "dashboard queries ≥ 100× faster than the
-- raw scan and p95 under 20 ms"). Measured on the 10 M event benchmark (6 projects, 5 agents, 10
-- event types): a panel over a day read 6,600 rows of agent_events_hourly, about 4 ms, against a
-- raw GROUP BY of 160 to 460 ms; the latency panel summed their histograms with a PL/pgSQL
-- aggregate (7 µs a row); the month's session panels read every session row.
--
-- * agent_events_hourly_all_projects and agent_events_daily_all_projects: agent_events_hourly and
--   agent_events_daily summed over projects, per (bucket, agent, event type), with the same
--   columns. They are what a dashboard shows by default (every project): 1,200 rows a day instead
--   of 6,600. Plain mode: tables the projector maintains (each step sums its hourly groups over
--   projects, as it sums them into days); TimescaleDB mode: hierarchical continuous aggregates
--   (timescale/0007).
-- * sluice_rollup(range_from, range_to, projects, agent): the aggregate rows a panel sums, from the
--   narrowest rollup that holds them: hourly rows for ranges up to 3 days, daily rows beyond, from
--   the all-projects rollups when projects is '*'. A SQL function PostgreSQL inlines: with the
--   constants Grafana sends, the branches that do not apply are removed when the query is planned.
-- * sluice_rollup_latency(...): those rows' histograms summed per bucket with built-in sums.
-- * A covering index for the session panels (finished sessions by start time).
--
-- `projects` is '*' (every project: the dashboards' "All" value) or a comma-separated list of
-- project ids (Grafana's ${project:csv}); `agent` is '*' or one agent id. A bucket is in range when
-- range_from <= bucket <= range_to (what Grafana's $__timeFilter(bucket) gives).
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

DO $migration$
BEGIN
    IF (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' AND to_regclass('agent_events_hourly_all_projects') IS NULL THEN
        CREATE TABLE agent_events_hourly_all_projects (LIKE agent_events_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
        ALTER TABLE agent_events_hourly_all_projects DROP COLUMN project_id;
        ALTER TABLE agent_events_hourly_all_projects ADD PRIMARY KEY (bucket, agent_id, event_type);
        INSERT INTO agent_events_hourly_all_projects
        SELECT bucket, agent_id, event_type,
               sum(event_count), sum(error_count), sum(duration_count), sum(duration_sum_ms),
               min(duration_min_ms), max(duration_max_ms), sum(tokens_in), sum(tokens_out),
               sum(tokens_cache_read), sum(tokens_cache_write), sum(cost_usd), sum(tool_failures),
               -- sluice_histogram_sum, bucket by bucket (that aggregate is defined after the migrations)
               ARRAY[sum(latency_histogram[1]), sum(latency_histogram[2]), sum(latency_histogram[3]), sum(latency_histogram[4]),
                     sum(latency_histogram[5]), sum(latency_histogram[6]), sum(latency_histogram[7]), sum(latency_histogram[8]),
                     sum(latency_histogram[9]), sum(latency_histogram[10]), sum(latency_histogram[11]), sum(latency_histogram[12]),
                     sum(latency_histogram[13]), sum(latency_histogram[14]), sum(latency_histogram[15]), sum(latency_histogram[16]),
                     sum(latency_histogram[17]), sum(latency_histogram[18]), sum(latency_histogram[19]), sum(latency_histogram[20]),
                     sum(latency_histogram[21]), sum(latency_histogram[22]), sum(latency_histogram[23]), sum(latency_histogram[24]),
                     sum(latency_histogram[25]), sum(latency_histogram[26]), sum(latency_histogram[27]), sum(latency_histogram[28]),
                     sum(latency_histogram[29]), sum(latency_histogram[30]), sum(latency_histogram[31]), sum(latency_histogram[32])]::bigint[]
        FROM agent_events_hourly GROUP BY 1, 2, 3;
    END IF;
    IF (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' AND to_regclass('agent_events_daily_all_projects') IS NULL THEN
        CREATE TABLE agent_events_daily_all_projects (LIKE agent_events_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
        ALTER TABLE agent_events_daily_all_projects DROP COLUMN project_id;
        ALTER TABLE agent_events_daily_all_projects ADD PRIMARY KEY (bucket, agent_id, event_type);
        INSERT INTO agent_events_daily_all_projects
        SELECT date_trunc('day', bucket, 'UTC'), agent_id, event_type,
               sum(event_count), sum(error_count), sum(duration_count), sum(duration_sum_ms),
               min(duration_min_ms), max(duration_max_ms), sum(tokens_in), sum(tokens_out),
               sum(tokens_cache_read), sum(tokens_cache_write), sum(cost_usd), sum(tool_failures),
               -- sluice_histogram_sum, bucket by bucket (that aggregate is defined after the migrations)
               ARRAY[sum(latency_histogram[1]), sum(latency_histogram[2]), sum(latency_histogram[3]), sum(latency_histogram[4]),
                     sum(latency_histogram[5]), sum(latency_histogram[6]), sum(latency_histogram[7]), sum(latency_histogram[8]),
                     sum(latency_histogram[9]), sum(latency_histogram[10]), sum(latency_histogram[11]), sum(latency_histogram[12]),
                     sum(latency_histogram[13]), sum(latency_histogram[14]), sum(latency_histogram[15]), sum(latency_histogram[16]),
                     sum(latency_histogram[17]), sum(latency_histogram[18]), sum(latency_histogram[19]), sum(latency_histogram[20]),
                     sum(latency_histogram[21]), sum(latency_histogram[22]), sum(latency_histogram[23]), sum(latency_histogram[24]),
                     sum(latency_histogram[25]), sum(latency_histogram[26]), sum(latency_histogram[27]), sum(latency_histogram[28]),
                     sum(latency_histogram[29]), sum(latency_histogram[30]), sum(latency_histogram[31]), sum(latency_histogram[32])]::bigint[]
        FROM agent_events_hourly_all_projects GROUP BY 1, 2, 3;
    END IF;
END
$migration$;

CREATE INDEX IF NOT EXISTS agent_sessions_finished_start_idx ON agent_sessions (start_time)
    INCLUDE (project_id, agent_id, outcome, quality_score) WHERE end_time IS NOT NULL;
