-- Everything below this transaction id is in every projection.
CREATE OR REPLACE FUNCTION sluice_projected_horizon() RETURNS xid8
LANGUAGE sql STABLE AS $$
    SELECT min(coalesce(p.horizon, '0'::xid8))
    FROM (VALUES ('aggregates'), ('chat'), ('agent_sessions')) AS parts (part)
    LEFT JOIN projector_positions p ON p.projector = parts.part
$$;
