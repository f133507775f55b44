-- Per-tool and per-model aggregates, for GET /v1/tools and GET /v1/costs and the dashboards.
--
--   tool name  data.toolName, data.tool or data.name of tool_use / tool_invocation events
--   model      data.model, metrics.model or context.model (devlog's collector and Claude Code's
--              OpenTelemetry put it in different places); '' when none is given
--
-- Plain mode: tables the projector maintains like agent_events_hourly (same merge rules).
-- TimescaleDB mode: continuous aggregates of the same definitions (timescale/0003).
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

DO $migration$
BEGIN
    IF (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' AND to_regclass('agent_tools_hourly') IS NULL THEN
        CREATE TABLE agent_tools_hourly (
            bucket            timestamptz NOT NULL,
            project_id        integer NOT NULL,
            agent_id          text NOT NULL,
            tool_name         text NOT NULL,
            uses              bigint NOT NULL,
            failures          bigint NOT NULL,
            duration_count    bigint NOT NULL,
            duration_sum_ms   numeric,
            latency_histogram bigint[] NOT NULL,
            PRIMARY KEY (bucket, project_id, agent_id, tool_name)
        );
        CREATE TABLE agent_costs_daily (
            day                timestamptz NOT NULL,  -- UTC midnight, as time_bucket('1 day', …)
            project_id         integer NOT NULL,
            agent_id           text NOT NULL,
            model              text NOT NULL,
            events             bigint NOT NULL,
            llm_requests       bigint NOT NULL,
            tokens_in          numeric NOT NULL,
            tokens_out         numeric NOT NULL,
            tokens_cache_read  numeric NOT NULL,
            tokens_cache_write numeric NOT NULL,
            cost_usd           numeric NOT NULL,
            PRIMARY KEY (day, project_id, agent_id, model)
        );
    END IF;
END
$migration$;
