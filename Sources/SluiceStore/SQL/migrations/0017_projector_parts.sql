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
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

INSERT INTO projector_positions (projector, horizon, updated_at)
SELECT part, m.horizon, m.updated_at
FROM projector_positions m, (VALUES ('aggregates'), ('sessions')) AS parts (part)
WHERE m.projector = 'main'
ON CONFLICT (projector) DO NOTHING;
DELETE FROM projector_positions WHERE projector = 'main';
