-- TimescaleDB mode: agent_events becomes a hypertable with one-day chunks, compressed after
-- seven days.
--
-- Compression settings, measured on TimescaleDB 2.28.3 / PostgreSQL 15 with 100,000 realistic
-- events over 10 days (6 projects, 8 agents, 17 event types, ~530 B of jsonb per row; 98.3 MiB
-- uncompressed). Replay = 5,000 duplicate rows into compressed chunks through the writer's
-- INSERT ... ON CONFLICT (id, "timestamp") DO NOTHING (median of 9 rounds; a bare ON CONFLICT
-- DO NOTHING took 696 ms with devlog's settings and 134 ms with ours).
--
--   segmentby                              orderby                   size       ratio   rows/batch  replay
--   project_id, agent_id, event_type (devlog)  "timestamp" DESC      15.09 MiB   6.5x     27        167 ms
--   project_id (chosen)                    "timestamp" DESC, id       9.59 MiB  10.3x    763         86 ms
--   project_id                             session_id, "timestamp" DESC, id  9.49 MiB  10.4x  763   95 ms
--   (none)                                 "timestamp" DESC, id      10.09 MiB   9.7x    952         87 ms
--   session_id                             "timestamp" DESC, id      10.23 MiB   9.6x    272         75 ms
--
-- devlog's segmentation leaves a few dozen rows per batch: poor compression, and every replayed
-- row decompresses dozens of batches. Segmenting by project_id keeps batches full (up to 1,000
-- rows) and keeps a project's reads (what project API keys do) within its own data. Duplicate
-- checks are cheap because the writer names its conflict target, ON CONFLICT (id, "timestamp"),
-- which lets TimescaleDB use the bloom filter it builds on the key when compressing. With random
-- UUIDs, `id` in the order-by neither helps nor hurts; it keeps rows of one instant in a stable
-- order.

CREATE EXTENSION IF NOT EXISTS timescaledb;

SELECT create_hypertable('agent_events', 'timestamp',
    chunk_time_interval => INTERVAL '1 day',
    create_default_indexes => false,
    if_not_exists => true,
    migrate_data => true);

ALTER TABLE agent_events SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'project_id',
    timescaledb.compress_orderby = '"timestamp" DESC, id'
);

SELECT add_compression_policy('agent_events', INTERVAL '7 days', if_not_exists => true);
