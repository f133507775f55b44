-- What the aggregates need of each event stored by transactions in [from_xid, to_xid), read
-- through sluice_fold_facts (the fact columns, or the metric functions for a row without them).
-- tool_name is set for tool calls only; model for the events that agent_costs_daily counts (a cost
-- or tokens, or an LLM request) only.
-- only_ids/only_times (parallel arrays of event keys), when given, restrict the fold to those
-- events: the projector's bisection of a failing step (projector_dead_letters).
CREATE OR REPLACE FUNCTION sluice_event_facts(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL)
RETURNS TABLE (
    "timestamp" timestamptz, bucket timestamptz, project_id integer, agent_id text, event_type text,
    is_error boolean, duration_ms numeric, latency_bucket integer, tokens_in numeric, tokens_out numeric,
    tokens_cache_read numeric, tokens_cache_write numeric, cost_usd numeric, tool_failure boolean,
    tool_name text, model text)
LANGUAGE sql STABLE AS $$
    SELECT f."timestamp", date_trunc('hour', f."timestamp", 'UTC'), f.project_id, f.agent_id, f.event_type,
           f.is_error, f.duration_ms, sluice_latency_bucket(f.duration_ms), f.tokens_in, f.tokens_out,
           f.tokens_cache_read, f.tokens_cache_write, f.cost_usd, f.tool_failure, f.tool_name,
           CASE WHEN f.cost_usd IS NOT NULL OR f.tokens_in IS NOT NULL OR f.tokens_out IS NOT NULL OR f.event_type = 'llm_request'
                THEN f.model END
    FROM (SELECT * FROM sluice_fold_facts(from_xid, to_xid, only_ids, only_times) OFFSET 0) f
$$;
