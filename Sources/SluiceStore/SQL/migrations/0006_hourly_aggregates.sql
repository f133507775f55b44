-- Hourly aggregates per (hour, project, agent, event type), and what the projectors need.
--
-- The metric rules are SQL functions so that the projector (plain mode), a TimescaleDB continuous
-- aggregate and any raw GROUP BY compute exactly the same thing. They mirror the session fold
-- (Sources/SluiceProjections/SessionFold.swift):
--   duration   metrics.durationMs (devlog's collector; devlog's own queries read metrics.duration,
--              which nothing writes)
--   tokens     metrics.inputTokens or promptTokens; outputTokens or responseTokens;
--              cacheReadTokens; cacheCreationTokens
--   cost       metrics.cost or metrics.costUSD, in US dollars
--   error      an error_encountered event, or severity error/critical
--   tool failure  a tool_use/tool_invocation with data.success = false, data.status
--              error/failed/failure, a non-null data.error, or severity error/critical
-- Values of the wrong JSON type count as absent; nothing here can make a projection fail.
-- The functions call only built-ins, so that PostgreSQL inlines them (a projection step folds
-- tens of thousands of rows) and so that TimescaleDB, which refreshes continuous aggregates with
-- a restricted search_path, can inline them too.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

-- Where each projector has read the log: every row with ingest_xid below `horizon` is folded.
CREATE TABLE IF NOT EXISTS projector_positions (
    projector  text PRIMARY KEY,
    horizon    xid8 NOT NULL DEFAULT '0',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Plain mode: the table the projector maintains. (TimescaleDB mode: a continuous aggregate of
-- the same name and columns, in timescale/.)
DO $migration$
BEGIN
    IF (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' AND to_regclass('agent_events_hourly') IS NULL THEN
        CREATE TABLE agent_events_hourly (
            bucket              timestamptz NOT NULL,
            project_id          integer NOT NULL,
            agent_id            text NOT NULL,
            event_type          text NOT NULL,
            event_count         bigint NOT NULL,
            error_count         bigint NOT NULL,
            duration_count      bigint NOT NULL,
            duration_sum_ms     numeric,
            duration_min_ms     numeric,
            duration_max_ms     numeric,
            tokens_in           numeric NOT NULL,
            tokens_out          numeric NOT NULL,
            tokens_cache_read   numeric NOT NULL,
            tokens_cache_write  numeric NOT NULL,
            cost_usd            numeric NOT NULL,
            tool_failures       bigint NOT NULL,
            latency_histogram   bigint[] NOT NULL,
            PRIMARY KEY (bucket, project_id, agent_id, event_type)
        );
        CREATE INDEX agent_events_hourly_project_bucket_idx ON agent_events_hourly (project_id, bucket DESC);
    END IF;
END
$migration$;
