-- The simple events of [from_xid, to_xid), read through sluice_fold_facts, folded per (session,
-- event type, agent, version, project, declared outcome): each row is the fold of its events, so
-- merging the rows (and the other events) in any order gives the session's fold. Times are
-- microseconds since the epoch; `first` is the earliest event by (timestamp, id); `context` is
-- the first event's (the fold takes a session's from its earliest session_start, else its
-- earliest event: in a group of one event type, the earliest either way); `end` is the latest event of a session_end group. Counts are whole numbers (a simple
-- 1.0 counts as 1, as in the fold).
-- only_ids/only_times (parallel arrays of event keys), when given, restrict the fold to those
-- events: the projector's bisection of a failing step (projector_dead_letters).
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
           ((min(ARRAY[ROW(f.ts, f.id, f.ts, f.context)::sluice_context_key]))[1]).id,
           ((min(ARRAY[ROW(f.ts, f.id, f.ts, f.context)::sluice_context_key]))[1]).context::text,
           (extract(epoch FROM max(f.ts) FILTER (WHERE f.event_type = 'session_end')) * 1000000)::bigint,
           ((max(ARRAY[ROW(f.ts, f.id)::sluice_event_key]) FILTER (WHERE f.event_type = 'session_end'))[1]).id,
           trunc(coalesce(sum(f.tokens_in), 0)), trunc(coalesce(sum(f.tokens_out), 0)),
           trunc(coalesce(sum(f.tokens_cache_write), 0)), trunc(coalesce(sum(f.tokens_cache_read), 0)),
           coalesce(sum(round(f.cost_usd * 1000000000)), 0),
           count(*) FILTER (WHERE f.tool_failure), count(*) FILTER (WHERE f.is_error)
    FROM (SELECT e.session_id, e.event_type, e.agent_id, e.agent_version, e.project_id, e.context, e.id, e."timestamp" AS ts,
                 CASE WHEN e.event_type = 'session_end' AND jsonb_typeof(e.data -> 'outcome') = 'string' THEN
                      CASE e.data ->> 'outcome' WHEN 'abandoned' THEN 'cancelled'
                           WHEN 'success' THEN 'success' WHEN 'failure' THEN 'failure'
                           WHEN 'partial' THEN 'partial' WHEN 'cancelled' THEN 'cancelled' END END AS outcome,
                 e.tokens_in, e.tokens_out, e.tokens_cache_write, e.tokens_cache_read, e.cost_usd, e.tool_failure, e.is_error
          FROM sluice_fold_facts(from_xid, to_xid, only_ids, only_times) e
          WHERE e.session_simple
          OFFSET 0) f
    GROUP BY f.session_id, f.event_type, f.agent_id, f.agent_version, f.project_id, f.outcome
$$;
