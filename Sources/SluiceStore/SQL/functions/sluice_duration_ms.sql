-- An event's duration in milliseconds (metrics.durationMs), under sluice_num's rule.
CREATE OR REPLACE FUNCTION sluice_duration_ms(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' AND abs((metrics ->> 'durationMs')::numeric) < 9e15 THEN (metrics ->> 'durationMs')::numeric END
$$;
