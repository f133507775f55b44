-- Whether an event is simple for the session fold, which sluice_session_partials then folds in
-- bulk: not a test_run or build_trigger, and its metrics plain counts (sluice_plain_count).
CREATE OR REPLACE FUNCTION sluice_session_simple(event_type text, data jsonb, metrics jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT event_type NOT IN ('test_run', 'build_trigger')
       AND (metrics IS NULL OR (
               sluice_plain_count(metrics, 'inputTokens') AND sluice_plain_count(metrics, 'promptTokens')
           AND sluice_plain_count(metrics, 'outputTokens') AND sluice_plain_count(metrics, 'responseTokens')
           AND sluice_plain_count(metrics, 'cacheCreationTokens') AND sluice_plain_count(metrics, 'cacheReadTokens')
           AND CASE WHEN jsonb_typeof(metrics -> 'cost') = 'number' THEN abs((metrics -> 'cost')::numeric) < 9e9 ELSE true END
           AND CASE WHEN jsonb_typeof(metrics -> 'costUSD') = 'number' THEN abs((metrics -> 'costUSD')::numeric) < 9e9 ELSE true END))
       AND (event_type NOT IN ('tool_use', 'tool_invocation') OR jsonb_typeof(data -> 'status') IS DISTINCT FROM 'string'
            OR octet_length(data ->> 'status') = char_length(data ->> 'status'))
$$;
