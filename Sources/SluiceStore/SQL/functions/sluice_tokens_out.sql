-- An event's output tokens (metrics.outputTokens or its aliases), under sluice_num's rule.
CREATE OR REPLACE FUNCTION sluice_tokens_out(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'outputTokens') = 'number' AND abs((metrics ->> 'outputTokens')::numeric) < 9e15 THEN (metrics ->> 'outputTokens')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'responseTokens') = 'number' AND abs((metrics ->> 'responseTokens')::numeric) < 9e15 THEN (metrics ->> 'responseTokens')::numeric END)
$$;
