-- Per-tool and per-model aggregates, for GET /v1/tools and GET /v1/costs and the dashboards.
--
--   tool name  data.toolName, data.tool or data.name of tool_use / tool_invocation events
--   model      data.model, metrics.model or context.model (devlog's collector and Claude Code's
--              OpenTelemetry put it in different places); '' when none is given
--
-- Plain mode: tables the projector maintains like agent_events_hourly (same merge rules).
-- TimescaleDB mode: continuous aggregates of the same definitions (timescale/0003).

CREATE OR REPLACE FUNCTION sluice_str(j jsonb, k text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j -> k) = 'string' THEN j ->> k END
$$;

CREATE OR REPLACE FUNCTION sluice_tool_name(data jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(data -> 'toolName') = 'string' THEN data ->> 'toolName' END,
                    CASE WHEN jsonb_typeof(data -> 'tool') = 'string' THEN data ->> 'tool' END,
                    CASE WHEN jsonb_typeof(data -> 'name') = 'string' THEN data ->> 'name' END, '')
$$;

CREATE OR REPLACE FUNCTION sluice_model(data jsonb, metrics jsonb, context jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(data -> 'model') = 'string' THEN data ->> 'model' END,
                    CASE WHEN jsonb_typeof(metrics -> 'model') = 'string' THEN metrics ->> 'model' END,
                    CASE WHEN jsonb_typeof(context -> 'model') = 'string' THEN context ->> 'model' END, '')
$$;

DO $migration$
BEGIN
    IF sluice_mode() = 'plain' AND to_regclass('agent_tools_hourly') IS NULL THEN
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

-- Folds [from_xid, to_xid) into both tables (see sluice_project_hourly).
CREATE OR REPLACE FUNCTION sluice_project_tools_and_costs(from_xid xid8, to_xid xid8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    a bigint;
    b bigint;
BEGIN
    INSERT INTO agent_tools_hourly AS t
    SELECT date_trunc('hour', "timestamp", 'UTC'), project_id, agent_id, sluice_tool_name(data),
           count(*), count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity)),
           count(sluice_duration_ms(metrics)), sum(sluice_duration_ms(metrics)),
           sluice_histogram_of(array_agg(sluice_latency_bucket(sluice_duration_ms(metrics))))
    FROM agent_events
    WHERE ingest_xid >= from_xid AND ingest_xid < to_xid AND event_type IN ('tool_use', 'tool_invocation')
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (bucket, project_id, agent_id, tool_name) DO UPDATE SET
        uses              = t.uses + excluded.uses,
        failures          = t.failures + excluded.failures,
        duration_count    = t.duration_count + excluded.duration_count,
        duration_sum_ms   = CASE WHEN t.duration_sum_ms IS NULL THEN excluded.duration_sum_ms
                                 WHEN excluded.duration_sum_ms IS NULL THEN t.duration_sum_ms
                                 ELSE t.duration_sum_ms + excluded.duration_sum_ms END,
        latency_histogram = sluice_histogram_merge(t.latency_histogram, excluded.latency_histogram);
    GET DIAGNOSTICS a = ROW_COUNT;

    INSERT INTO agent_costs_daily AS c
    SELECT date_trunc('day', "timestamp", 'UTC'), project_id, agent_id, sluice_model(data, metrics, context),
           count(*), count(*) FILTER (WHERE event_type = 'llm_request'),
           coalesce(sum(sluice_tokens_in(metrics)), 0), coalesce(sum(sluice_tokens_out(metrics)), 0),
           coalesce(sum(sluice_num(metrics, 'cacheReadTokens')), 0), coalesce(sum(sluice_num(metrics, 'cacheCreationTokens')), 0),
           coalesce(sum(sluice_cost_usd(metrics)), 0)
    FROM agent_events
    WHERE ingest_xid >= from_xid AND ingest_xid < to_xid
      AND (sluice_cost_usd(metrics) IS NOT NULL OR sluice_tokens_in(metrics) IS NOT NULL OR sluice_tokens_out(metrics) IS NOT NULL
           OR event_type = 'llm_request')
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, project_id, agent_id, model) DO UPDATE SET
        events             = c.events + excluded.events,
        llm_requests       = c.llm_requests + excluded.llm_requests,
        tokens_in          = c.tokens_in + excluded.tokens_in,
        tokens_out         = c.tokens_out + excluded.tokens_out,
        tokens_cache_read  = c.tokens_cache_read + excluded.tokens_cache_read,
        tokens_cache_write = c.tokens_cache_write + excluded.tokens_cache_write,
        cost_usd           = c.cost_usd + excluded.cost_usd;
    GET DIAGNOSTICS b = ROW_COUNT;
    RETURN a + b;
END
$$;
