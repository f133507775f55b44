-- The tool an event names (data.toolName, data.tool or its aliases), NULL when none.
CREATE OR REPLACE FUNCTION sluice_tool_name(data jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(data -> 'toolName') = 'string' THEN data ->> 'toolName' END,
                    CASE WHEN jsonb_typeof(data -> 'tool') = 'string' THEN data ->> 'tool' END,
                    CASE WHEN jsonb_typeof(data -> 'name') = 'string' THEN data ->> 'name' END, '')
$$;
