-- An event's input tokens (metrics.inputTokens or its aliases), under sluice_num's rule.
CREATE OR REPLACE FUNCTION sluice_tokens_in(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'inputTokens') = 'number' AND abs((metrics ->> 'inputTokens')::numeric) < 9e15 THEN (metrics ->> 'inputTokens')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'promptTokens') = 'number' AND abs((metrics ->> 'promptTokens')::numeric) < 9e15 THEN (metrics ->> 'promptTokens')::numeric END)
$$;
