-- The metric rules (0006) ignore numbers of 9·10^15 or more in magnitude, as the session fold
-- does: ingest refuses them since this version, and a sum of a few stored before could overflow
-- `numeric` and fail every refresh of a continuous aggregate (TimescaleDB mode), where no step can
-- set an event aside. They still call only built-ins (see 0006).
CREATE OR REPLACE FUNCTION sluice_num(j jsonb, k text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j -> k) = 'number' AND abs((j ->> k)::numeric) < 9e15 THEN (j ->> k)::numeric END
$$;
