-- TimescaleDB mode: agent_events becomes a hypertable with one-day chunks, compressed after
-- seven days.
--
-- Compression settings, measured (see README, "TimescaleDB compression"): devlog's design
-- segments by (project_id, agent_id, event_type) and orders by "timestamp" DESC. On realistic
-- events that leaves about a dozen rows per compressed batch, so compression is poor and
-- duplicate replays (INSERT ... ON CONFLICT DO NOTHING into a compressed chunk) are slow.
-- Segmenting by project_id alone gives large batches; ordering by ("timestamp", id) keeps the
-- unique key (id, "timestamp") cheap to check, since TimescaleDB can use the batch min/max of
-- the order-by columns to skip batches that cannot hold a conflicting key.

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
