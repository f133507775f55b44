-- Projections that no stored event can stall (issue 13).
--
-- Until now one event that a fold could not take (a timestamp PostgreSQL cannot print, a number
-- that overflows a column) failed its part's step, and every step after it, for every tenant,
-- until someone deleted the row by hand. Now a step that fails on its data isolates the events
-- that fail: it folds its range again in halves, each under a savepoint, down to single events,
-- keeps what folds, and records each event that still fails in projector_dead_letters (in the
-- step's own transaction, with its new position). The part goes on; `sluice projections
-- failures` lists the dead letters, `sluice projections retry` folds them again after a fix, and
-- a rebuild folds the whole log again, dead letters included.
--
-- * sluice_fold_events(from_xid, to_xid, only_ids, only_times): the events a fold reads, one
--   definition for every fold: those stored by transactions in [from_xid, to_xid), and, when
--   only_ids is given, only the events with these keys (id, timestamp: parallel arrays). An SQL
--   function that PostgreSQL inlines into its callers: with only_ids NULL the filter is folded
--   away and the plan is the one of the direct read.
-- * The folds take the same two optional arrays: sluice_event_facts, sluice_project_aggregates,
--   sluice_project_hierarchy, sluice_project_chat, sluice_session_partials (their bodies are those
--   of 0012, 0016 and 0020, reading through sluice_fold_events).
-- * projector_positions says how each part is doing: when it last stepped and caught up, how
--   long its last step took, and its consecutive failures with the last error.

CREATE TABLE IF NOT EXISTS projector_dead_letters (
    projector        text NOT NULL,
    event_id         uuid NOT NULL,
    event_timestamp  timestamptz NOT NULL,
    ingest_xid       xid8 NOT NULL,
    sql_state        text,
    error            text NOT NULL,
    first_failed_at  timestamptz NOT NULL DEFAULT now(),
    last_failed_at   timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 1,
    PRIMARY KEY (projector, event_id, event_timestamp)
);
CREATE INDEX IF NOT EXISTS projector_dead_letters_day_idx ON projector_dead_letters (event_timestamp);

ALTER TABLE projector_positions
    ADD COLUMN IF NOT EXISTS stepped_at    timestamptz,
    ADD COLUMN IF NOT EXISTS caught_up_at  timestamptz,
    ADD COLUMN IF NOT EXISTS step_seconds  double precision,
    ADD COLUMN IF NOT EXISTS failures      bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS last_error    text,
    ADD COLUMN IF NOT EXISTS last_error_at timestamptz;

-- A chat session's tokens add up every message's input and output tokens: a long session passes
-- 2^31 (found by the property test: such a session's messages failed the chat part).
ALTER TABLE chat_sessions ALTER COLUMN total_tokens TYPE bigint;

CREATE OR REPLACE FUNCTION sluice_fold_events(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL)
RETURNS SETOF agent_events
LANGUAGE sql STABLE AS $$
    SELECT e.* FROM agent_events e
    WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid
      AND (only_ids IS NULL OR (e.id, e."timestamp") IN (SELECT k.id, k.ts FROM unnest(only_ids, only_times) AS k (id, ts)))
$$;

-- The folds' new signatures replace the old ones (a default argument would make every old call
-- ambiguous between the two).
DROP FUNCTION IF EXISTS sluice_project_aggregates(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_event_facts(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_project_hierarchy(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_project_chat(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_session_partials(xid8, xid8);

-- As in 0012_fast_projections.sql, reading through sluice_fold_events.
CREATE OR REPLACE FUNCTION sluice_event_facts(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL)
RETURNS TABLE (
    "timestamp" timestamptz, bucket timestamptz, project_id integer, agent_id text, event_type text,
    is_error boolean, duration_ms numeric, latency_bucket integer, tokens_in numeric, tokens_out numeric,
    tokens_cache_read numeric, tokens_cache_write numeric, cost_usd numeric, tool_failure boolean,
    tool_name text, model text)
LANGUAGE sql STABLE AS $$
    SELECT f."timestamp", date_trunc('hour', f."timestamp", 'UTC'), f.project_id, f.agent_id, f.event_type,
           f.is_error, f.duration_ms, sluice_latency_bucket(f.duration_ms), f.tokens_in, f.tokens_out,
           f.tokens_cache_read, f.tokens_cache_write, f.cost_usd, f.tool_failure,
           CASE WHEN f.event_type IN ('tool_use', 'tool_invocation') THEN sluice_tool_name(f.data) END,
           CASE WHEN f.cost_usd IS NOT NULL OR f.tokens_in IS NOT NULL OR f.tokens_out IS NOT NULL OR f.event_type = 'llm_request'
                THEN sluice_model(f.data, f.metrics, f.context) END
    FROM (SELECT e."timestamp", e.project_id, e.agent_id, e.event_type, e.data, e.metrics, e.context,
                 sluice_is_error(e.event_type, e.severity) AS is_error,
                 sluice_duration_ms(e.metrics) AS duration_ms,
                 sluice_tokens_in(e.metrics) AS tokens_in,
                 sluice_tokens_out(e.metrics) AS tokens_out,
                 sluice_num(e.metrics, 'cacheReadTokens') AS tokens_cache_read,
                 sluice_num(e.metrics, 'cacheCreationTokens') AS tokens_cache_write,
                 sluice_cost_usd(e.metrics) AS cost_usd,
                 sluice_is_tool_failure(e.event_type, e.data, e.severity) AS tool_failure
          FROM sluice_fold_events(from_xid, to_xid, only_ids, only_times) e
          OFFSET 0) f
    OFFSET 0
$$;

-- As in 0016_dashboard_rollups.sql, reading through sluice_fold_events.
CREATE OR REPLACE FUNCTION sluice_project_aggregates(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    n bigint;
BEGIN
    WITH f AS MATERIALIZED (SELECT * FROM sluice_event_facts(from_xid, to_xid, only_ids, only_times)),
    -- The step's hourly groups, written to agent_events_hourly, summed per day into agent_events_daily,
    -- and summed over projects into agent_events_hourly_all_projects and agent_events_daily_all_projects.
    hg AS MATERIALIZED (
            SELECT f.bucket, f.project_id, f.agent_id, f.event_type,
                   count(*) AS event_count, count(*) FILTER (WHERE f.is_error) AS error_count,
                   count(f.duration_ms) AS duration_count, sum(f.duration_ms) AS duration_sum_ms,
                   min(f.duration_ms) AS duration_min_ms, max(f.duration_ms) AS duration_max_ms,
                   coalesce(sum(f.tokens_in), 0) AS tokens_in, coalesce(sum(f.tokens_out), 0) AS tokens_out,
                   coalesce(sum(f.tokens_cache_read), 0) AS tokens_cache_read,
                   coalesce(sum(f.tokens_cache_write), 0) AS tokens_cache_write,
                   coalesce(sum(f.cost_usd), 0) AS cost_usd, count(*) FILTER (WHERE f.tool_failure) AS tool_failures,
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
                         count(*) FILTER (WHERE f.latency_bucket = 30), count(*) FILTER (WHERE f.latency_bucket = 31)] AS latency_histogram
            FROM f
            GROUP BY 1, 2, 3, 4
    ),
    hourly AS (
        INSERT INTO agent_events_hourly AS h SELECT * FROM hg ORDER BY 1, 2, 3, 4
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
            latency_histogram  = sluice_histogram_merge(h.latency_histogram, excluded.latency_histogram)
        RETURNING 1),
    daily AS (
        INSERT INTO agent_events_daily AS h
        SELECT date_trunc('day', bucket, 'UTC'), project_id, agent_id, event_type,
               sum(event_count), sum(error_count), sum(duration_count), sum(duration_sum_ms),
               min(duration_min_ms), max(duration_max_ms), sum(tokens_in), sum(tokens_out),
               sum(tokens_cache_read), sum(tokens_cache_write), sum(cost_usd), sum(tool_failures),
               sluice_histogram_sum(latency_histogram)
        FROM hg GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
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
            latency_histogram  = sluice_histogram_merge(h.latency_histogram, excluded.latency_histogram)),
    all_projects AS (
        INSERT INTO agent_events_hourly_all_projects AS h
        SELECT bucket, agent_id, event_type,
               sum(event_count), sum(error_count), sum(duration_count), sum(duration_sum_ms),
               min(duration_min_ms), max(duration_max_ms), sum(tokens_in), sum(tokens_out),
               sum(tokens_cache_read), sum(tokens_cache_write), sum(cost_usd), sum(tool_failures),
               sluice_histogram_sum(latency_histogram)
        FROM hg GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (bucket, agent_id, event_type) DO UPDATE SET
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
            latency_histogram  = sluice_histogram_merge(h.latency_histogram, excluded.latency_histogram)),
    all_projects_daily AS (
        INSERT INTO agent_events_daily_all_projects AS h
        SELECT date_trunc('day', bucket, 'UTC'), agent_id, event_type,
               sum(event_count), sum(error_count), sum(duration_count), sum(duration_sum_ms),
               min(duration_min_ms), max(duration_max_ms), sum(tokens_in), sum(tokens_out),
               sum(tokens_cache_read), sum(tokens_cache_write), sum(cost_usd), sum(tool_failures),
               sluice_histogram_sum(latency_histogram)
        FROM hg GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (bucket, agent_id, event_type) DO UPDATE SET
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
            latency_histogram  = sluice_histogram_merge(h.latency_histogram, excluded.latency_histogram)),
    tg AS MATERIALIZED (
            SELECT f.bucket, f.project_id, f.agent_id, f.tool_name,
                   count(*) AS uses, count(*) FILTER (WHERE f.tool_failure) AS failures,
                   count(f.duration_ms) AS duration_count, sum(f.duration_ms) AS duration_sum_ms,
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
                         count(*) FILTER (WHERE f.latency_bucket = 30), count(*) FILTER (WHERE f.latency_bucket = 31)] AS latency_histogram
            FROM f
            WHERE f.tool_name IS NOT NULL
            GROUP BY 1, 2, 3, 4
    ),
    tools AS (
        INSERT INTO agent_tools_hourly AS t SELECT * FROM tg ORDER BY 1, 2, 3, 4
        ON CONFLICT (bucket, project_id, agent_id, tool_name) DO UPDATE SET
            uses              = t.uses + excluded.uses,
            failures          = t.failures + excluded.failures,
            duration_count    = t.duration_count + excluded.duration_count,
            duration_sum_ms   = CASE WHEN t.duration_sum_ms IS NULL THEN excluded.duration_sum_ms
                                     WHEN excluded.duration_sum_ms IS NULL THEN t.duration_sum_ms
                                     ELSE t.duration_sum_ms + excluded.duration_sum_ms END,
            latency_histogram = sluice_histogram_merge(t.latency_histogram, excluded.latency_histogram)),
    tools_daily AS (
        INSERT INTO agent_tools_daily AS t
        SELECT date_trunc('day', bucket, 'UTC'), project_id, agent_id, tool_name,
               sum(uses), sum(failures), sum(duration_count), sum(duration_sum_ms), sluice_histogram_sum(latency_histogram)
        FROM tg GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (bucket, project_id, agent_id, tool_name) DO UPDATE SET
            uses              = t.uses + excluded.uses,
            failures          = t.failures + excluded.failures,
            duration_count    = t.duration_count + excluded.duration_count,
            duration_sum_ms   = CASE WHEN t.duration_sum_ms IS NULL THEN excluded.duration_sum_ms
                                     WHEN excluded.duration_sum_ms IS NULL THEN t.duration_sum_ms
                                     ELSE t.duration_sum_ms + excluded.duration_sum_ms END,
            latency_histogram = sluice_histogram_merge(t.latency_histogram, excluded.latency_histogram)),
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
    SELECT count(*) INTO n FROM hourly;
    RETURN n;
END
$$;

-- As in 0012_fast_projections.sql, reading through sluice_fold_events.
CREATE OR REPLACE FUNCTION sluice_project_hierarchy(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    n bigint := 0;
    k bigint;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_hierarchy (
        project_id integer, machine_key text, machine_row integer, hostname text, username text, os_type text,
        os_version text, workspace_key text, workspace_row integer, workspace_path text, branch text, "commit" text,
        seen timestamptz) ON COMMIT DELETE ROWS;
    DELETE FROM sluice_step_hierarchy;
    INSERT INTO sluice_step_hierarchy
    SELECT DISTINCT ON (project_id, mk, mr, wk, wr)
           project_id,
           mk, mr,
           coalesce(sluice_str(context, 'hostname'), mk), coalesce(sluice_str(context, 'username'), ''),
           coalesce(sluice_str(context, 'osType'), sluice_str(context, 'os'), ''), sluice_str(context, 'osVersion'),
           wk, wr,
           coalesce(sluice_str(context, 'workspacePath'), sluice_str(context, 'cwd'), ''),
           coalesce(sluice_str(context, 'branch'), sluice_str(context, 'gitBranch')), sluice_str(context, 'commit'),
           "timestamp"
    FROM (SELECT g.*,
                 sluice_str(g.context, 'machineId') AS mk,
                 CASE WHEN jsonb_typeof(g.context -> 'machineId') = 'number' THEN (g.context ->> 'machineId')::numeric::integer END AS mr,
                 sluice_str(g.context, 'workspaceId') AS wk,
                 CASE WHEN jsonb_typeof(g.context -> 'workspaceId') = 'number' THEN (g.context ->> 'workspaceId')::numeric::integer END AS wr
          FROM (SELECT e.project_id, e.context, max(e."timestamp") AS "timestamp"
                FROM sluice_fold_events(from_xid, to_xid, only_ids, only_times) e
                GROUP BY e.project_id, e.context) g) x
    ORDER BY project_id, mk, mr, wk, wr, "timestamp" DESC;

    -- Projects named only by id.
    INSERT INTO projects (id, name, full_name, repo_name)
    SELECT DISTINCT project_id, 'project-' || project_id, 'project-' || project_id, 'project-' || project_id
    FROM sluice_step_hierarchy
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
    IF k > 0 THEN
        PERFORM setval(pg_get_serial_sequence('projects', 'id'), greatest((SELECT max(id) FROM projects), 1));
    END IF;

    -- Machines: by their own id, or 'unknown'.
    INSERT INTO machines AS m (machine_id, hostname, username, os_type, os_version, machine_type)
    SELECT DISTINCT ON (coalesce(machine_key, 'unknown'))
           coalesce(machine_key, 'unknown'), coalesce(hostname, 'unknown'), username, os_type, os_version, 'local'
    FROM sluice_step_hierarchy
    WHERE machine_row IS NULL OR machine_row NOT IN (SELECT id FROM machines)
    ORDER BY coalesce(machine_key, 'unknown'), seen DESC
    ON CONFLICT (machine_id) DO UPDATE SET last_seen_at = now(),
        hostname = CASE WHEN excluded.machine_id = 'unknown' THEN m.hostname ELSE excluded.hostname END;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;

    UPDATE sluice_step_hierarchy f SET machine_row = m.id
    FROM machines m
    WHERE (f.machine_row IS NULL OR f.machine_row NOT IN (SELECT id FROM machines))
      AND m.machine_id = coalesce(f.machine_key, 'unknown');

    INSERT INTO machine_projects (machine_id, project_id)
    SELECT DISTINCT machine_row, project_id FROM sluice_step_hierarchy
    ON CONFLICT DO NOTHING;

    -- Workspaces: by their own id, or 'unknown:<project>'.
    INSERT INTO workspaces AS w (project_id, machine_id, workspace_id, workspace_path, workspace_type, branch, "commit")
    SELECT DISTINCT ON (coalesce(workspace_key, 'unknown:' || project_id))
           project_id, machine_row, coalesce(workspace_key, 'unknown:' || project_id), workspace_path, 'folder', branch, "commit"
    FROM sluice_step_hierarchy
    WHERE workspace_row IS NULL OR workspace_row NOT IN (SELECT id FROM workspaces)
    ORDER BY coalesce(workspace_key, 'unknown:' || project_id), seen DESC
    ON CONFLICT (workspace_id) DO UPDATE SET last_seen_at = now(),
        branch = coalesce(excluded.branch, w.branch), "commit" = coalesce(excluded."commit", w."commit"),
        workspace_path = CASE WHEN excluded.workspace_path = '' THEN w.workspace_path ELSE excluded.workspace_path END;
    GET DIAGNOSTICS k = ROW_COUNT;
    RETURN n + k;
END
$$;

-- As in 0020_projector_three_parts.sql, reading through sluice_fold_events.
CREATE OR REPLACE FUNCTION sluice_project_chat(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    n bigint;
    renumbered uuid;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_chat (
        id uuid, session_id uuid, role text, content text, "timestamp" timestamptz, project_id integer,
        agent_id text, workspace_key text, model text, tokens numeric) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_chat_sessions (
        session_id uuid PRIMARY KEY, stored integer, in_order boolean) ON COMMIT DELETE ROWS;
    DELETE FROM sluice_step_chat;
    DELETE FROM sluice_step_chat_sessions;
    -- A message is an event id: the log's key is (id, timestamp), so an id sent again with another
    -- timestamp is a second event but not a second message. The first stored (lowest ingest_xid)
    -- is the message, in a step and in a rebuild alike.
    INSERT INTO sluice_step_chat
    SELECT DISTINCT ON (e.id) e.id, e.session_id,
           CASE WHEN e.event_type = 'llm_response' THEN 'assistant' ELSE 'user' END,
           e.text, e."timestamp", e.project_id, e.agent_id,
           sluice_str(e.context, 'workspaceId'),
           nullif(sluice_model(e.data, e.metrics, e.context), ''),
           coalesce(sluice_tokens_in(e.metrics), 0) + coalesce(sluice_tokens_out(e.metrics), 0)
    FROM (SELECT a.*, sluice_chat_text(a.event_type, a.data) AS text
          FROM sluice_fold_events(from_xid, to_xid, only_ids, only_times) a
          WHERE a.event_type IN ('user_interaction', 'user_prompt', 'llm_response')
          OFFSET 0) e
    WHERE e.text IS NOT NULL
    ORDER BY e.id, e.ingest_xid, e."timestamp";
    DELETE FROM sluice_step_chat c USING chat_messages m WHERE m.id = c.id;
    SELECT count(*) INTO n FROM sluice_step_chat;
    IF n = 0 THEN RETURN 0; END IF;

    -- Per session: how many messages it stores, and whether every new message comes after the
    -- last of them (the last stored message in (timestamp, id) order, which has the highest sequence).
    INSERT INTO sluice_step_chat_sessions
    SELECT s.session_id, coalesce(last.sequence, 0),
           last.sequence IS NULL OR (s.first_ts, s.first_id) > (last."timestamp", last.id)
    FROM (SELECT DISTINCT ON (session_id) session_id, "timestamp" AS first_ts, id AS first_id
          FROM sluice_step_chat ORDER BY session_id, "timestamp", id) s
    LEFT JOIN LATERAL (SELECT m.sequence, m."timestamp", m.id FROM chat_messages m
                       WHERE m.session_id = s.session_id ORDER BY m."timestamp" DESC, m.id DESC LIMIT 1) last ON true;

    WITH inserted AS (
        INSERT INTO chat_messages (id, session_id, role, content, "timestamp", sequence, search_content, search_vector)
        SELECT c.id, c.session_id, c.role, c.content, c."timestamp",
               CASE WHEN s.in_order
                    THEN s.stored + row_number() OVER (PARTITION BY c.session_id ORDER BY c."timestamp", c.id)
                    ELSE 0 END,
               c.content, to_tsvector('english', coalesce(c.content, ''))
        FROM sluice_step_chat c JOIN sluice_step_chat_sessions s USING (session_id)
        ON CONFLICT (id) DO NOTHING
        RETURNING session_id),
    counts AS (SELECT session_id, count(*) AS inserted FROM inserted GROUP BY session_id),
    expected AS (SELECT session_id, count(*) AS expected FROM sluice_step_chat GROUP BY session_id)
    UPDATE sluice_step_chat_sessions s SET in_order = false
    FROM expected e LEFT JOIN counts c USING (session_id)
    WHERE s.session_id = e.session_id AND s.in_order AND coalesce(c.inserted, 0) <> e.expected;

    -- One session at a time, through the session's index: renumbering them in one statement
    -- joined the new ranks to a sequential scan of the whole table.
    FOR renumbered IN SELECT session_id FROM sluice_step_chat_sessions WHERE NOT in_order ORDER BY session_id LOOP
        UPDATE chat_messages m SET sequence = r.rank
        FROM (SELECT id, row_number() OVER (ORDER BY "timestamp", id) AS rank
              FROM chat_messages WHERE session_id = renumbered) r
        WHERE m.session_id = renumbered AND m.id = r.id AND m.sequence <> r.rank;
    END LOOP;

    -- The chat sessions last, under their session locks (held to the commit): the agent_sessions
    -- part writes their end (sluice_chat_sessions_end).
    PERFORM sluice_lock_chat_sessions(array_agg(session_id)) FROM sluice_step_chat_sessions;
    INSERT INTO chat_sessions AS c (session_id, workspace_id, workspace_seen_at, agent_type, model_id, model_seen_at,
                                    started_at, message_count, total_tokens)
    SELECT s.session_id, w.id, s.workspace_at, s.agent_id, s.model, s.model_at, s.started, s.messages, s.tokens
    FROM (SELECT session_id,
                 coalesce((array_agg(workspace_key ORDER BY "timestamp", id) FILTER (WHERE workspace_key IS NOT NULL))[1],
                          'unknown:' || (array_agg(project_id ORDER BY "timestamp", id))[1]) AS workspace_key,
                 min("timestamp") FILTER (WHERE workspace_key IS NOT NULL) AS workspace_at,
                 (array_agg(agent_id ORDER BY "timestamp", id))[1] AS agent_id,
                 (array_agg(model ORDER BY "timestamp" DESC, id DESC) FILTER (WHERE model IS NOT NULL))[1] AS model,
                 max("timestamp") FILTER (WHERE model IS NOT NULL) AS model_at,
                 min("timestamp") AS started, count(*) AS messages, sum(tokens) AS tokens
          FROM sluice_step_chat GROUP BY session_id) s
    JOIN workspaces w ON w.workspace_id = s.workspace_key
    ORDER BY s.session_id
    ON CONFLICT (session_id) DO UPDATE SET
        workspace_id = CASE WHEN excluded.workspace_seen_at < c.workspace_seen_at
                              OR (c.workspace_seen_at IS NULL AND excluded.workspace_seen_at IS NOT NULL)
                            THEN excluded.workspace_id ELSE c.workspace_id END,
        workspace_seen_at = least(c.workspace_seen_at, excluded.workspace_seen_at),
        started_at = least(c.started_at, excluded.started_at),
        message_count = c.message_count + excluded.message_count,
        total_tokens = c.total_tokens + excluded.total_tokens,
        model_id = CASE WHEN excluded.model_seen_at > c.model_seen_at OR c.model_seen_at IS NULL
                        THEN coalesce(excluded.model_id, c.model_id) ELSE c.model_id END,
        model_seen_at = greatest(c.model_seen_at, excluded.model_seen_at);
    PERFORM sluice_chat_sessions_end(array_agg(session_id)) FROM sluice_step_chat_sessions;

    RETURN n;
END
$$;

-- As in 0012_fast_projections.sql, reading through sluice_fold_events.
CREATE OR REPLACE FUNCTION sluice_session_partials(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL)
RETURNS TABLE (
    session_id uuid, event_type text, agent_id text, agent_version text, project_id integer, outcome text,
    events bigint, first_us bigint, first_id uuid, last_us bigint, context_id uuid, context text, end_us bigint,
    end_id uuid, tokens_in numeric, tokens_out numeric, tokens_cache_write numeric, tokens_cache_read numeric,
    cost_nano_usd numeric, tool_failures bigint, errors bigint)
LANGUAGE sql STABLE AS $$
    SELECT f.session_id, f.event_type, f.agent_id, f.agent_version, f.project_id, f.outcome,
           count(*), (extract(epoch FROM min(f.ts)) * 1000000)::bigint,
           ((min(ARRAY[ROW(f.ts, f.id)::sluice_event_key]))[1]).id,
           (extract(epoch FROM max(f.ts)) * 1000000)::bigint,
           ((min(ARRAY[ROW(f.context_rank, f.id, f.ts, f.context)::sluice_context_key]))[1]).id,
           ((min(ARRAY[ROW(f.context_rank, f.id, f.ts, f.context)::sluice_context_key]))[1]).context::text,
           (extract(epoch FROM max(f.ts) FILTER (WHERE f.event_type = 'session_end')) * 1000000)::bigint,
           ((max(ARRAY[ROW(f.ts, f.id)::sluice_event_key]) FILTER (WHERE f.event_type = 'session_end'))[1]).id,
           trunc(coalesce(sum(coalesce(f.input_tokens, f.prompt_tokens)), 0)), trunc(coalesce(sum(coalesce(f.output_tokens, f.response_tokens)), 0)),
           trunc(coalesce(sum(f.cache_write), 0)), trunc(coalesce(sum(f.cache_read), 0)),
           coalesce(sum(coalesce(round(f.cost * 1000000000), round(f.cost_usd * 1000000000))), 0),
           count(*) FILTER (WHERE f.tool_failure), count(*) FILTER (WHERE f.is_error)
    FROM (SELECT e.session_id, e.event_type, e.agent_id, e.agent_version, e.project_id, e.context, e.id, e."timestamp" AS ts,
                 CASE WHEN e.event_type = 'session_start' THEN '-infinity' ELSE e."timestamp" END AS context_rank,
                 CASE WHEN e.event_type = 'session_end' AND jsonb_typeof(e.data -> 'outcome') = 'string' THEN
                      CASE e.data ->> 'outcome' WHEN 'abandoned' THEN 'cancelled'
                           WHEN 'success' THEN 'success' WHEN 'failure' THEN 'failure'
                           WHEN 'partial' THEN 'partial' WHEN 'cancelled' THEN 'cancelled' END END AS outcome,
                 sluice_num(e.metrics, 'inputTokens') AS input_tokens, sluice_num(e.metrics, 'promptTokens') AS prompt_tokens,
                 sluice_num(e.metrics, 'outputTokens') AS output_tokens, sluice_num(e.metrics, 'responseTokens') AS response_tokens,
                 sluice_num(e.metrics, 'cacheCreationTokens') AS cache_write, sluice_num(e.metrics, 'cacheReadTokens') AS cache_read,
                 sluice_num(e.metrics, 'cost') AS cost, sluice_num(e.metrics, 'costUSD') AS cost_usd,
                 sluice_is_tool_failure(e.event_type, e.data, e.severity) AS tool_failure,
                 sluice_is_error(e.event_type, e.severity) AS is_error
          FROM sluice_fold_events(from_xid, to_xid, only_ids, only_times) e
          WHERE sluice_session_simple(e.event_type, e.data, e.metrics)
          OFFSET 0) f
    GROUP BY f.session_id, f.event_type, f.agent_id, f.agent_version, f.project_id, f.outcome
$$;

-- The metric rules (0006) ignore numbers of 9·10^15 or more in magnitude, as the session fold
-- does: ingest refuses them since this version, and a sum of a few stored before could overflow
-- `numeric` and fail every refresh of a continuous aggregate (TimescaleDB mode), where no step can
-- set an event aside. They still call only built-ins (see 0006).
CREATE OR REPLACE FUNCTION sluice_num(j jsonb, k text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j -> k) = 'number' AND abs((j ->> k)::numeric) < 9e15 THEN (j ->> k)::numeric END
$$;

CREATE OR REPLACE FUNCTION sluice_duration_ms(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END
$$;

CREATE OR REPLACE FUNCTION sluice_tokens_in(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'inputTokens') = 'number' AND abs((metrics ->> 'inputTokens')::numeric) < 9e15 THEN (metrics ->> 'inputTokens')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'promptTokens') = 'number' AND abs((metrics ->> 'promptTokens')::numeric) < 9e15 THEN (metrics ->> 'promptTokens')::numeric END)
$$;

CREATE OR REPLACE FUNCTION sluice_tokens_out(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'outputTokens') = 'number' AND abs((metrics ->> 'outputTokens')::numeric) < 9e15 THEN (metrics ->> 'outputTokens')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'responseTokens') = 'number' AND abs((metrics ->> 'responseTokens')::numeric) < 9e15 THEN (metrics ->> 'responseTokens')::numeric END)
$$;

CREATE OR REPLACE FUNCTION sluice_cost_usd(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'cost') = 'number' AND abs((metrics ->> 'cost')::numeric) < 9e15 THEN (metrics ->> 'cost')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'costUSD') = 'number' AND abs((metrics ->> 'costUSD')::numeric) < 9e15 THEN (metrics ->> 'costUSD')::numeric END)
$$;
