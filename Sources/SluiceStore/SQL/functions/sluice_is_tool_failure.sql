-- Whether an event is a failed tool call (tool_use or tool_invocation that reports a failure).
CREATE OR REPLACE FUNCTION sluice_is_tool_failure(event_type text, data jsonb, severity text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT event_type IN ('tool_use', 'tool_invocation') AND (
           data -> 'success' = 'false'::jsonb
        OR coalesce(lower(CASE WHEN jsonb_typeof(data -> 'status') = 'string' THEN data ->> 'status' END)
                    IN ('error', 'failed', 'failure'), false)
        OR coalesce(data -> 'error' NOT IN ('null'::jsonb, 'false'::jsonb), false)
        OR coalesce(severity IN ('error', 'critical'), false))
$$;
