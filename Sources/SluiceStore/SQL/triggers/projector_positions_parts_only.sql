DROP TRIGGER IF EXISTS projector_positions_parts_only ON projector_positions;

CREATE TRIGGER projector_positions_parts_only BEFORE INSERT OR UPDATE ON projector_positions
    FOR EACH ROW WHEN (NEW.projector NOT IN ('aggregates', 'chat', 'agent_sessions')) EXECUTE FUNCTION sluice_projector_parts_only();
