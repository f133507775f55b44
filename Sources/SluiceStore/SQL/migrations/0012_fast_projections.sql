-- Faster projection steps, same results (issue 3: "an acknowledged event is reflected in every
-- projection within 1 second at half of the maximum ingest rate").
--
-- Measured on 100,000 bench events (EXPLAIN ANALYZE): the hourly upsert spent its time in the
-- aggregate, not in the upsert. sluice_latency_bucket called numeric log(2, ms) for every event
-- (about 15 µs each), sluice_histogram_of ran a query per group, and the hash aggregate or sort
-- spilled to disk at the default work_mem. Every metric was also extracted from the jsonb several
-- times per event, and each projection read the new rows again.
--
-- * sluice_latency_bucket: width_bucket over the 31 bucket bounds (a binary search of numeric
--   comparisons), which gives the same bucket as floor(log(2, ms)) + 1 for every value (checked
--   for every integer up to 3,000,000, every thousandth up to 100, and 2^k, 2^k ± 1, 2^k ± 10^-6
--   for k up to 40). Continuous aggregates (TimescaleDB mode) use it too.
-- * sluice_event_facts(from_xid, to_xid): what the aggregates need of each event, extracted once.
-- * sluice_project_aggregates(from_xid, to_xid): hourly, per-tool and per-model rows from one read
--   of the new events; histograms as 32 filtered counts per group; enough work_mem to hash. The
--   step's hourly groups are then summed per UTC day into agent_events_daily and
--   agent_tools_daily, the rollups that long ranges read (a month is 30 rows per key, not 720).
-- * The hierarchy reads each distinct (project, context) once; chat messages get their final
--   sequence when inserted, and only sessions where a message arrived out of order are renumbered.
-- * The folds of 0006/0008 (sluice_hourly_rows, sluice_project_hourly,
--   sluice_project_tools_and_costs) are dropped: sluice_project_aggregates replaces all three.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

-- Daily rollups (plain mode): the hourly tables' columns and keys, one row per UTC day
-- (`bucket` is UTC midnight). Each row is the sum of the day's hourly rows, which is how the
-- projector maintains them and how TimescaleDB's hierarchical continuous aggregates define them
-- (timescale/0004).
DO $migration$
BEGIN
    IF (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' AND to_regclass('agent_events_daily') IS NULL THEN
        CREATE TABLE agent_events_daily (LIKE agent_events_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
        ALTER TABLE agent_events_daily ADD PRIMARY KEY (bucket, project_id, agent_id, event_type);
        CREATE INDEX agent_events_daily_project_bucket_idx ON agent_events_daily (project_id, bucket DESC);
        INSERT INTO agent_events_daily
        SELECT date_trunc('day', bucket, 'UTC'), project_id, agent_id, event_type,
               sum(event_count), sum(error_count), sum(duration_count), sum(duration_sum_ms),
               min(duration_min_ms), max(duration_max_ms), sum(tokens_in), sum(tokens_out),
               sum(tokens_cache_read), sum(tokens_cache_write), sum(cost_usd), sum(tool_failures),
               -- sluice_histogram_sum, bucket by bucket (that aggregate is defined after the migrations)
               ARRAY[sum(latency_histogram[1]), sum(latency_histogram[2]), sum(latency_histogram[3]), sum(latency_histogram[4]),
                     sum(latency_histogram[5]), sum(latency_histogram[6]), sum(latency_histogram[7]), sum(latency_histogram[8]),
                     sum(latency_histogram[9]), sum(latency_histogram[10]), sum(latency_histogram[11]), sum(latency_histogram[12]),
                     sum(latency_histogram[13]), sum(latency_histogram[14]), sum(latency_histogram[15]), sum(latency_histogram[16]),
                     sum(latency_histogram[17]), sum(latency_histogram[18]), sum(latency_histogram[19]), sum(latency_histogram[20]),
                     sum(latency_histogram[21]), sum(latency_histogram[22]), sum(latency_histogram[23]), sum(latency_histogram[24]),
                     sum(latency_histogram[25]), sum(latency_histogram[26]), sum(latency_histogram[27]), sum(latency_histogram[28]),
                     sum(latency_histogram[29]), sum(latency_histogram[30]), sum(latency_histogram[31]), sum(latency_histogram[32])]::bigint[]
        FROM agent_events_hourly GROUP BY 1, 2, 3, 4;
    END IF;
    IF (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' AND to_regclass('agent_tools_daily') IS NULL THEN
        CREATE TABLE agent_tools_daily (LIKE agent_tools_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
        ALTER TABLE agent_tools_daily ADD PRIMARY KEY (bucket, project_id, agent_id, tool_name);
        INSERT INTO agent_tools_daily
        SELECT date_trunc('day', bucket, 'UTC'), project_id, agent_id, tool_name,
               -- sluice_histogram_sum, bucket by bucket (that aggregate is defined after the migrations)
               sum(uses), sum(failures), sum(duration_count), sum(duration_sum_ms), ARRAY[sum(latency_histogram[1]), sum(latency_histogram[2]), sum(latency_histogram[3]), sum(latency_histogram[4]),
                     sum(latency_histogram[5]), sum(latency_histogram[6]), sum(latency_histogram[7]), sum(latency_histogram[8]),
                     sum(latency_histogram[9]), sum(latency_histogram[10]), sum(latency_histogram[11]), sum(latency_histogram[12]),
                     sum(latency_histogram[13]), sum(latency_histogram[14]), sum(latency_histogram[15]), sum(latency_histogram[16]),
                     sum(latency_histogram[17]), sum(latency_histogram[18]), sum(latency_histogram[19]), sum(latency_histogram[20]),
                     sum(latency_histogram[21]), sum(latency_histogram[22]), sum(latency_histogram[23]), sum(latency_histogram[24]),
                     sum(latency_histogram[25]), sum(latency_histogram[26]), sum(latency_histogram[27]), sum(latency_histogram[28]),
                     sum(latency_histogram[29]), sum(latency_histogram[30]), sum(latency_histogram[31]), sum(latency_histogram[32])]::bigint[]
        FROM agent_tools_hourly GROUP BY 1, 2, 3, 4;
    END IF;
END
$migration$;

-- Superseded by sluice_project_aggregates (one read of the events for all three tables); dropped
-- so that no second definition of the rows can drift from it.
DROP FUNCTION IF EXISTS sluice_project_hourly(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_project_tools_and_costs(xid8, xid8);
DROP FUNCTION IF EXISTS sluice_hourly_rows(xid8, xid8);

-- Keys that order events as the session fold does, so that min() and max() of one-element arrays
-- of them pick an event of a group without sorting it: (timestamp, id), and for the context
-- (timestamp, or -infinity for a session_start; id; timestamp) with the context itself.
DO $migration$
BEGIN
    IF to_regtype('sluice_event_key') IS NULL THEN
        CREATE TYPE sluice_event_key AS ("timestamp" timestamptz, id uuid);
    END IF;
    IF to_regtype('sluice_context_key') IS NULL THEN
        CREATE TYPE sluice_context_key AS (rank timestamptz, id uuid, "timestamp" timestamptz, context jsonb);
    END IF;
END
$migration$;

-- GET /v1/sessions filtered by agent, project or outcome: newest first straight from an index.
CREATE INDEX IF NOT EXISTS agent_sessions_agent_start_idx ON agent_sessions (agent_id, start_time DESC, id DESC);
CREATE INDEX IF NOT EXISTS agent_sessions_project_start_idx ON agent_sessions (project_id, start_time DESC, id DESC);
CREATE INDEX IF NOT EXISTS agent_sessions_outcome_start_idx ON agent_sessions (outcome, start_time DESC, id DESC);
