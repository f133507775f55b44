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

-- Where each projector has read the log: every row with ingest_xid below `horizon` is folded.
CREATE TABLE IF NOT EXISTS projector_positions (
    projector  text PRIMARY KEY,
    horizon    xid8 NOT NULL DEFAULT '0',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION sluice_num(j jsonb, k text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j -> k) = 'number' THEN (j ->> k)::numeric END
$$;

CREATE OR REPLACE FUNCTION sluice_duration_ms(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' THEN (metrics ->> 'durationMs')::numeric END
$$;

CREATE OR REPLACE FUNCTION sluice_tokens_in(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'inputTokens') = 'number' THEN (metrics ->> 'inputTokens')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'promptTokens') = 'number' THEN (metrics ->> 'promptTokens')::numeric END)
$$;

CREATE OR REPLACE FUNCTION sluice_tokens_out(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'outputTokens') = 'number' THEN (metrics ->> 'outputTokens')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'responseTokens') = 'number' THEN (metrics ->> 'responseTokens')::numeric END)
$$;

CREATE OR REPLACE FUNCTION sluice_cost_usd(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'cost') = 'number' THEN (metrics ->> 'cost')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'costUSD') = 'number' THEN (metrics ->> 'costUSD')::numeric END)
$$;

CREATE OR REPLACE FUNCTION sluice_is_error(event_type text, severity text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT event_type = 'error_encountered' OR coalesce(severity IN ('error', 'critical'), false)
$$;

CREATE OR REPLACE FUNCTION sluice_is_tool_failure(event_type text, data jsonb, severity text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT event_type IN ('tool_use', 'tool_invocation') AND (
           data -> 'success' = 'false'::jsonb
        OR coalesce(lower(CASE WHEN jsonb_typeof(data -> 'status') = 'string' THEN data ->> 'status' END)
                    IN ('error', 'failed', 'failure'), false)
        OR coalesce(data -> 'error' NOT IN ('null'::jsonb, 'false'::jsonb), false)
        OR coalesce(severity IN ('error', 'critical'), false))
$$;

-- Latency histogram: 32 fixed log-scale buckets of durationMs. Bucket 0 holds [0, 1) ms, bucket
-- k (1..30) holds [2^(k-1), 2^k) ms, bucket 31 everything from 2^30 ms (12.4 days) up. Histograms
-- of any rows add up element by element, so percentiles over any range come from hourly rows.
-- A group's histogram is sluice_histogram_of(array_agg(sluice_latency_bucket(ms))): array_agg is
-- native and fast, and the counting runs once per group.
CREATE OR REPLACE FUNCTION sluice_latency_bucket(ms numeric) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ms IS NULL OR ms < 0 THEN NULL
                WHEN ms < 1 THEN 0
                ELSE least(floor(log(2, ms))::integer + 1, 31) END
$$;

CREATE OR REPLACE FUNCTION sluice_histogram_of(buckets integer[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(c.n, 0) ORDER BY k.k)
    FROM generate_series(0, 31) AS k(k)
    LEFT JOIN (SELECT b, count(*) AS n FROM unnest(buckets) AS b WHERE b IS NOT NULL GROUP BY b) c ON c.b = k.k
$$;

CREATE OR REPLACE FUNCTION sluice_histogram_merge(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
                ELSE (SELECT array_agg(x + y ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)) END
$$;

-- sluice_histogram_sum(histogram): histograms of many rows (hourly rows into any range) added up.
CREATE OR REPLACE AGGREGATE sluice_histogram_sum(bigint[]) (
    SFUNC = sluice_histogram_merge, STYPE = bigint[], COMBINEFUNC = sluice_histogram_merge, PARALLEL = SAFE);

-- The p-quantile (0 < p <= 1) of a histogram, in ms: the upper bound of the bucket holding it
-- (so within a factor of 2 above the true value). NULL for an empty histogram.
CREATE OR REPLACE FUNCTION sluice_histogram_quantile(h bigint[], p double precision) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH b AS (SELECT i - 1 AS k, sum(n) OVER (ORDER BY i) AS cum, sum(n) OVER () AS total
               FROM unnest(h) WITH ORDINALITY AS t(n, i))
    SELECT (1::bigint << k::integer)::numeric FROM b WHERE total > 0 AND cum >= ceil(p * total) ORDER BY k LIMIT 1
$$;

-- Plain mode: the table the projector maintains. (TimescaleDB mode: a continuous aggregate of
-- the same name and columns, in timescale/.)
DO $migration$
BEGIN
    IF sluice_mode() = 'plain' AND to_regclass('agent_events_hourly') IS NULL THEN
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

-- The hourly rows of the events stored by transactions in [from_xid, to_xid): the one definition
-- of an hourly row, shared by the projector and the rebuild.
CREATE OR REPLACE FUNCTION sluice_hourly_rows(from_xid xid8, to_xid xid8)
RETURNS TABLE (
    bucket timestamptz, project_id integer, agent_id text, event_type text, event_count bigint,
    error_count bigint, duration_count bigint, duration_sum_ms numeric, duration_min_ms numeric,
    duration_max_ms numeric, tokens_in numeric, tokens_out numeric, tokens_cache_read numeric,
    tokens_cache_write numeric, cost_usd numeric, tool_failures bigint, latency_histogram bigint[])
LANGUAGE sql STABLE AS $$
    SELECT date_trunc('hour', e."timestamp", 'UTC'),
           e.project_id, e.agent_id, e.event_type,
           count(*),
           count(*) FILTER (WHERE sluice_is_error(event_type, severity)),
           count(sluice_duration_ms(metrics)),
           sum(sluice_duration_ms(metrics)),
           min(sluice_duration_ms(metrics)),
           max(sluice_duration_ms(metrics)),
           coalesce(sum(sluice_tokens_in(metrics)), 0),
           coalesce(sum(sluice_tokens_out(metrics)), 0),
           coalesce(sum(sluice_num(metrics, 'cacheReadTokens')), 0),
           coalesce(sum(sluice_num(metrics, 'cacheCreationTokens')), 0),
           coalesce(sum(sluice_cost_usd(metrics)), 0),
           count(*) FILTER (WHERE sluice_is_tool_failure(event_type, data, severity)),
           sluice_histogram_of(array_agg(sluice_latency_bucket(sluice_duration_ms(metrics))))
    FROM agent_events e
    WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid
    GROUP BY 1, 2, 3, 4
$$;

-- Adds the hourly rows of [from_xid, to_xid) into agent_events_hourly. Every column merges by
-- addition, minimum, maximum or histogram sum, so folding a range once in any number of pieces
-- gives the rows a single GROUP BY would. The caller advances its position in the same transaction.
CREATE OR REPLACE FUNCTION sluice_project_hourly(from_xid xid8, to_xid xid8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO agent_events_hourly AS h
    SELECT * FROM sluice_hourly_rows(from_xid, to_xid)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (bucket, project_id, agent_id, event_type) DO UPDATE SET
        event_count        = h.event_count + excluded.event_count,
        error_count        = h.error_count + excluded.error_count,
        duration_count     = h.duration_count + excluded.duration_count,
        duration_sum_ms    = CASE WHEN h.duration_sum_ms IS NULL THEN excluded.duration_sum_ms
                                  WHEN excluded.duration_sum_ms IS NULL THEN h.duration_sum_ms
                                  ELSE h.duration_sum_ms + excluded.duration_sum_ms END,
        duration_min_ms    = least(h.duration_min_ms, excluded.duration_min_ms),
        duration_max_ms    = greatest(h.duration_max_ms, excluded.duration_max_ms),
        tokens_in          = h.tokens_in + excluded.tokens_in,
        tokens_out         = h.tokens_out + excluded.tokens_out,
        tokens_cache_read  = h.tokens_cache_read + excluded.tokens_cache_read,
        tokens_cache_write = h.tokens_cache_write + excluded.tokens_cache_write,
        cost_usd           = h.cost_usd + excluded.cost_usd,
        tool_failures      = h.tool_failures + excluded.tool_failures,
        latency_histogram  = sluice_histogram_merge(h.latency_histogram, excluded.latency_histogram);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
