-- Whether an event counts as an error: an error_encountered event, or severity error or critical.
CREATE OR REPLACE FUNCTION sluice_is_error(event_type text, severity text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT event_type = 'error_encountered' OR coalesce(severity IN ('error', 'critical'), false)
$$;
