-- The events a fold reads (sluice_fold_events) with their hot fields: from the fact columns the
-- writer filled (migrations/0025_event_facts.sql), or, for a row stored without them (facts NULL),
-- from its jsonb by the metric functions, which give the same values (EventFactsAgreementTests).
-- An SQL function that PostgreSQL inlines: a row with facts never has its jsonb read here.
-- context, data and metrics are passed on for what else a fold reads of them. model is sluice_model's
-- ('' when none); tool_name is set for tool calls only; tool_failure is never NULL (the function's
-- NULL for a tool call that names no failure counts as false everywhere).
CREATE OR REPLACE FUNCTION sluice_fold_facts(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL)
RETURNS TABLE (
    id uuid, "timestamp" timestamptz, event_type text, agent_id text, agent_version text, session_id uuid,
    project_id integer, severity text, context jsonb, data jsonb, metrics jsonb, is_error boolean, duration_ms numeric,
    tokens_in numeric, tokens_out numeric, tokens_cache_read numeric, tokens_cache_write numeric, cost_usd numeric,
    model text, tool_name text, tool_failure boolean, session_simple boolean)
LANGUAGE sql STABLE AS $$
    SELECT e.id, e."timestamp", e.event_type, e.agent_id, e.agent_version, e.session_id, e.project_id, e.severity,
           e.context, e.data, e.metrics,
           sluice_is_error(e.event_type, e.severity),
           CASE WHEN e.facts IS NULL THEN sluice_duration_ms(e.metrics) ELSE e.duration_ms END,
           CASE WHEN e.facts IS NULL THEN sluice_tokens_in(e.metrics) ELSE e.tokens_in END,
           CASE WHEN e.facts IS NULL THEN sluice_tokens_out(e.metrics) ELSE e.tokens_out END,
           CASE WHEN e.facts IS NULL THEN sluice_num(e.metrics, 'cacheReadTokens') ELSE e.tokens_cache_read END,
           CASE WHEN e.facts IS NULL THEN sluice_num(e.metrics, 'cacheCreationTokens') ELSE e.tokens_cache_write END,
           CASE WHEN e.facts IS NULL THEN sluice_cost_usd(e.metrics) ELSE e.cost_usd END,
           CASE WHEN e.facts IS NULL THEN sluice_model(e.data, e.metrics, e.context) ELSE e.model END,
           CASE WHEN e.facts IS NOT NULL THEN e.tool_name
                WHEN e.event_type IN ('tool_use', 'tool_invocation') THEN sluice_tool_name(e.data) END,
           CASE WHEN e.facts IS NULL THEN coalesce(sluice_is_tool_failure(e.event_type, e.data, e.severity), false) ELSE e.tool_failure END,
           CASE WHEN e.facts IS NULL THEN sluice_session_simple(e.event_type, e.data, e.metrics) ELSE e.session_simple END
    FROM sluice_fold_events(from_xid, to_xid, only_ids, only_times) e
$$;
