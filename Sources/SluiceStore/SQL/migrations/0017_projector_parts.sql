-- The projector runs as two parts, each with its own position in the log, its own lock and its
-- own connection, so that `serve` folds new events on two cores at once (issue 3: "an
-- acknowledged event is reflected in every projection within 1 second at half of the maximum
-- ingest rate"; one projector used a whole core there):
--
-- * `aggregates`: hourly, daily, per-tool and per-model rollups (plain mode), the late days of the
--   continuous aggregates (TimescaleDB mode);
-- * `sessions`: the hierarchy, chat sessions and messages (a chat session needs its workspace),
--   and agent sessions.
--
-- The parts write disjoint tables. Each starts where the single projector `main` stood.

INSERT INTO projector_positions (projector, horizon, updated_at)
SELECT part, m.horizon, m.updated_at
FROM projector_positions m, (VALUES ('aggregates'), ('sessions')) AS parts (part)
WHERE m.projector = 'main'
ON CONFLICT (projector) DO NOTHING;
DELETE FROM projector_positions WHERE projector = 'main';

-- A server of an older version would fold from `main` again, from the start of the log: refuse.
CREATE OR REPLACE FUNCTION sluice_projector_parts_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'projector "%" does not exist: since migration 0017 the projector runs as the parts "aggregates" and "sessions"; upgrade every sluice serve that uses this database', NEW.projector;
END
$$;
DROP TRIGGER IF EXISTS projector_positions_parts_only ON projector_positions;
CREATE TRIGGER projector_positions_parts_only BEFORE INSERT OR UPDATE ON projector_positions
    FOR EACH ROW WHEN (NEW.projector NOT IN ('aggregates', 'sessions')) EXECUTE FUNCTION sluice_projector_parts_only();

-- Everything below this transaction id is in every projection.
CREATE OR REPLACE FUNCTION sluice_projected_horizon() RETURNS xid8
LANGUAGE sql STABLE AS $$
    SELECT min(coalesce(p.horizon, '0'::xid8))
    FROM (VALUES ('aggregates'), ('sessions')) AS parts (part)
    LEFT JOIN projector_positions p ON p.projector = parts.part
$$;
