-- The aggregates part of a projector step (plain mode): folds the events of [from_xid, to_xid)
-- into agent_events_hourly, agent_tools_hourly and agent_costs_daily, reading the events once
-- (sluice_event_facts), and the step's hourly groups into the daily and all-projects rollups.
-- Every column merges by addition, minimum, maximum or histogram sum, so folding a range once in
-- any number of pieces gives the rows a single GROUP BY would (and a daily row is the sum of its
-- day's hourly rows). Rows are upserted in key order. The caller advances its position in the
-- same transaction. Returns the hourly rows written.
-- only_ids/only_times (parallel arrays of event keys), when given, restrict the fold to those
-- events: the projector's bisection of a failing step (projector_dead_letters).
--
-- The step's groups go to two temporary tables first; each rollup is then one upsert of their
-- sums at its grain, with one merge rule for the event rollups and one for the tool rollups
-- (the statements differ only in table, time bucket and key columns, all constants below).
CREATE OR REPLACE FUNCTION sluice_project_aggregates(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    n bigint;
    r record;
    event_merge constant text := $merge$
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
            latency_histogram  = sluice_histogram_merge(h.latency_histogram, excluded.latency_histogram)$merge$;
    tool_merge constant text := $merge$
            uses               = h.uses + excluded.uses,
            failures           = h.failures + excluded.failures,
            duration_count     = h.duration_count + excluded.duration_count,
            duration_sum_ms    = CASE WHEN h.duration_sum_ms IS NULL THEN excluded.duration_sum_ms
                                      WHEN excluded.duration_sum_ms IS NULL THEN h.duration_sum_ms
                                      ELSE h.duration_sum_ms + excluded.duration_sum_ms END,
            latency_histogram  = sluice_histogram_merge(h.latency_histogram, excluded.latency_histogram)$merge$;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_events (LIKE agent_events_hourly) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_tools (LIKE agent_tools_hourly) ON COMMIT DELETE ROWS;
    DELETE FROM sluice_step_events;
    DELETE FROM sluice_step_tools;

    WITH f AS MATERIALIZED (SELECT * FROM sluice_event_facts(from_xid, to_xid, only_ids, only_times)),
    events AS (
        INSERT INTO sluice_step_events
        SELECT f.bucket, f.project_id, f.agent_id, f.event_type,
               count(*), count(*) FILTER (WHERE f.is_error),
               count(f.duration_ms), sum(f.duration_ms), min(f.duration_ms), max(f.duration_ms),
               coalesce(sum(f.tokens_in), 0), coalesce(sum(f.tokens_out), 0),
               coalesce(sum(f.tokens_cache_read), 0), coalesce(sum(f.tokens_cache_write), 0),
               coalesce(sum(f.cost_usd), 0), count(*) FILTER (WHERE f.tool_failure),
                   ARRAY[count(*) FILTER (WHERE f.latency_bucket = 0), count(*) FILTER (WHERE f.latency_bucket = 1),
                         count(*) FILTER (WHERE f.latency_bucket = 2), count(*) FILTER (WHERE f.latency_bucket = 3),
                         count(*) FILTER (WHERE f.latency_bucket = 4), count(*) FILTER (WHERE f.latency_bucket = 5),
                         count(*) FILTER (WHERE f.latency_bucket = 6), count(*) FILTER (WHERE f.latency_bucket = 7),
                         count(*) FILTER (WHERE f.latency_bucket = 8), count(*) FILTER (WHERE f.latency_bucket = 9),
                         count(*) FILTER (WHERE f.latency_bucket = 10), count(*) FILTER (WHERE f.latency_bucket = 11),
                         count(*) FILTER (WHERE f.latency_bucket = 12), count(*) FILTER (WHERE f.latency_bucket = 13),
                         count(*) FILTER (WHERE f.latency_bucket = 14), count(*) FILTER (WHERE f.latency_bucket = 15),
                         count(*) FILTER (WHERE f.latency_bucket = 16), count(*) FILTER (WHERE f.latency_bucket = 17),
                         count(*) FILTER (WHERE f.latency_bucket = 18), count(*) FILTER (WHERE f.latency_bucket = 19),
                         count(*) FILTER (WHERE f.latency_bucket = 20), count(*) FILTER (WHERE f.latency_bucket = 21),
                         count(*) FILTER (WHERE f.latency_bucket = 22), count(*) FILTER (WHERE f.latency_bucket = 23),
                         count(*) FILTER (WHERE f.latency_bucket = 24), count(*) FILTER (WHERE f.latency_bucket = 25),
                         count(*) FILTER (WHERE f.latency_bucket = 26), count(*) FILTER (WHERE f.latency_bucket = 27),
                         count(*) FILTER (WHERE f.latency_bucket = 28), count(*) FILTER (WHERE f.latency_bucket = 29),
                         count(*) FILTER (WHERE f.latency_bucket = 30), count(*) FILTER (WHERE f.latency_bucket = 31)] 
        FROM f
        GROUP BY 1, 2, 3, 4
        RETURNING 1),
    tools AS (
        INSERT INTO sluice_step_tools
        SELECT f.bucket, f.project_id, f.agent_id, f.tool_name,
               count(*), count(*) FILTER (WHERE f.tool_failure), count(f.duration_ms), sum(f.duration_ms),
                   ARRAY[count(*) FILTER (WHERE f.latency_bucket = 0), count(*) FILTER (WHERE f.latency_bucket = 1),
                         count(*) FILTER (WHERE f.latency_bucket = 2), count(*) FILTER (WHERE f.latency_bucket = 3),
                         count(*) FILTER (WHERE f.latency_bucket = 4), count(*) FILTER (WHERE f.latency_bucket = 5),
                         count(*) FILTER (WHERE f.latency_bucket = 6), count(*) FILTER (WHERE f.latency_bucket = 7),
                         count(*) FILTER (WHERE f.latency_bucket = 8), count(*) FILTER (WHERE f.latency_bucket = 9),
                         count(*) FILTER (WHERE f.latency_bucket = 10), count(*) FILTER (WHERE f.latency_bucket = 11),
                         count(*) FILTER (WHERE f.latency_bucket = 12), count(*) FILTER (WHERE f.latency_bucket = 13),
                         count(*) FILTER (WHERE f.latency_bucket = 14), count(*) FILTER (WHERE f.latency_bucket = 15),
                         count(*) FILTER (WHERE f.latency_bucket = 16), count(*) FILTER (WHERE f.latency_bucket = 17),
                         count(*) FILTER (WHERE f.latency_bucket = 18), count(*) FILTER (WHERE f.latency_bucket = 19),
                         count(*) FILTER (WHERE f.latency_bucket = 20), count(*) FILTER (WHERE f.latency_bucket = 21),
                         count(*) FILTER (WHERE f.latency_bucket = 22), count(*) FILTER (WHERE f.latency_bucket = 23),
                         count(*) FILTER (WHERE f.latency_bucket = 24), count(*) FILTER (WHERE f.latency_bucket = 25),
                         count(*) FILTER (WHERE f.latency_bucket = 26), count(*) FILTER (WHERE f.latency_bucket = 27),
                         count(*) FILTER (WHERE f.latency_bucket = 28), count(*) FILTER (WHERE f.latency_bucket = 29),
                         count(*) FILTER (WHERE f.latency_bucket = 30), count(*) FILTER (WHERE f.latency_bucket = 31)] 
        FROM f
        WHERE f.tool_name IS NOT NULL
        GROUP BY 1, 2, 3, 4),
    costs AS (
        INSERT INTO agent_costs_daily AS c
        SELECT date_trunc('day', f."timestamp", 'UTC'), f.project_id, f.agent_id, f.model,
               count(*), count(*) FILTER (WHERE f.event_type = 'llm_request'),
               coalesce(sum(f.tokens_in), 0), coalesce(sum(f.tokens_out), 0),
               coalesce(sum(f.tokens_cache_read), 0), coalesce(sum(f.tokens_cache_write), 0),
               coalesce(sum(f.cost_usd), 0)
        FROM f
        WHERE f.model IS NOT NULL
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, project_id, agent_id, model) DO UPDATE SET
            events             = c.events + excluded.events,
            llm_requests       = c.llm_requests + excluded.llm_requests,
            tokens_in          = c.tokens_in + excluded.tokens_in,
            tokens_out         = c.tokens_out + excluded.tokens_out,
            tokens_cache_read  = c.tokens_cache_read + excluded.tokens_cache_read,
            tokens_cache_write = c.tokens_cache_write + excluded.tokens_cache_write,
            cost_usd           = c.cost_usd + excluded.cost_usd)
    SELECT (SELECT count(*) FROM events) INTO n;

    -- Each rollup: its table, its time bucket of the step's hourly groups, its key.
    FOR r IN VALUES
        ('agent_events_hourly', 'bucket', 'project_id, agent_id, event_type'),
        ('agent_events_daily', 'date_trunc(''day'', bucket, ''UTC'')', 'project_id, agent_id, event_type'),
        ('agent_events_hourly_all_projects', 'bucket', 'agent_id, event_type'),
        ('agent_events_daily_all_projects', 'date_trunc(''day'', bucket, ''UTC'')', 'agent_id, event_type')
    LOOP
        EXECUTE format($sql$
            INSERT INTO %1$I AS h
            SELECT %2$s, %3$s, sum(event_count), sum(error_count), sum(duration_count), sum(duration_sum_ms),
                   min(duration_min_ms), max(duration_max_ms), sum(tokens_in), sum(tokens_out),
                   sum(tokens_cache_read), sum(tokens_cache_write), sum(cost_usd), sum(tool_failures),
                   sluice_histogram_sum(latency_histogram)
            FROM sluice_step_events GROUP BY %2$s, %3$s ORDER BY %2$s, %3$s
            ON CONFLICT (bucket, %3$s) DO UPDATE SET %4$s$sql$, r.column1, r.column2, r.column3, event_merge);
    END LOOP;
    FOR r IN VALUES ('agent_tools_hourly', 'bucket'), ('agent_tools_daily', 'date_trunc(''day'', bucket, ''UTC'')') LOOP
        EXECUTE format($sql$
            INSERT INTO %1$I AS h
            SELECT %2$s, project_id, agent_id, tool_name, sum(uses), sum(failures), sum(duration_count),
                   sum(duration_sum_ms), sluice_histogram_sum(latency_histogram)
            FROM sluice_step_tools GROUP BY %2$s, project_id, agent_id, tool_name ORDER BY %2$s, project_id, agent_id, tool_name
            ON CONFLICT (bucket, project_id, agent_id, tool_name) DO UPDATE SET %3$s$sql$, r.column1, r.column2, tool_merge);
    END LOOP;
    RETURN n;
END
$$;
