-- The trigger function of projector_positions_parts_only (triggers/): only the projector's current
-- parts may have a position. A server of an older version would fold from `main` or `sessions`
-- again, from where they stood: refused, with what to do.
CREATE OR REPLACE FUNCTION sluice_projector_parts_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'projector "%" does not exist: since migration 0020 the projector runs as the parts "aggregates", "chat" and "agent_sessions"; upgrade every sluice serve that uses this database', NEW.projector;
END
$$;
