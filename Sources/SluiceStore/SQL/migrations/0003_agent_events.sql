-- agent_events: the event log, the single source of truth. Everything else is derived from it.
--
-- Differences from devlog's table, and why:
-- * The key is (id, "timestamp"): TimescaleDB (and native partitioning) require the time column
--   in every unique key. Deduplication of retries relies on it: a retried event carries the same
--   id and timestamp and is absorbed by INSERT ... ON CONFLICT DO NOTHING.
-- * No foreign keys to agent_sessions, chat_sessions or projects. The log accepts facts as they
--   arrive; an event may come before the rows that describe its session or project, and a batch
--   must never fail for that. Projections create those rows from the events.
-- * ingest_xid: the id of the transaction that stored the row (pg_current_xact_id()). Projectors
--   read the log in ingest order up to pg_snapshot_xmin(pg_current_snapshot()): every transaction
--   below that horizon has ended, so no row can later appear behind a projector's position. A
--   sequence alone cannot promise that (a lower number can commit after a higher one).
-- * No GIN index on data (devlog's 20251101 migration had one): it roughly halves ingest speed and
--   no read path needs it; projections serve the queries.
--
-- Plain mode: range-partitioned by day (UTC) on "timestamp", with a default partition that takes
-- any event outside the partitions that exist, so that no event is ever refused for its date
-- (see 0004_partitions.sql). TimescaleDB mode: a plain table here, made a hypertable by
-- timescale/0001_hypertable.sql.

DO $migration$
BEGIN
    IF to_regclass('agent_events') IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE $ddl$
        CREATE TABLE agent_events (
            id                uuid        NOT NULL,
            "timestamp"       timestamptz NOT NULL,
            event_type        text        NOT NULL,
            agent_id          text        NOT NULL,
            agent_version     text        NOT NULL,
            session_id        uuid        NOT NULL,
            project_id        integer     NOT NULL,
            context           jsonb       NOT NULL DEFAULT '{}',
            data              jsonb       NOT NULL DEFAULT '{}',
            metrics           jsonb,
            parent_event_id   uuid,
            related_event_ids text[],
            tags              text[],
            severity          text CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical')),
            ingest_xid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
            PRIMARY KEY (id, "timestamp")
        )
    $ddl$ || CASE WHEN (SELECT value FROM sluice_meta WHERE key = 'mode') = 'plain' THEN ' PARTITION BY RANGE ("timestamp")' ELSE '' END;
END
$migration$;

CREATE INDEX IF NOT EXISTS agent_events_timestamp_idx ON agent_events ("timestamp" DESC);
CREATE INDEX IF NOT EXISTS agent_events_session_id_timestamp_idx ON agent_events (session_id, "timestamp" DESC);
CREATE INDEX IF NOT EXISTS agent_events_project_id_timestamp_idx ON agent_events (project_id, "timestamp" DESC);
CREATE INDEX IF NOT EXISTS agent_events_agent_id_idx ON agent_events (agent_id);
CREATE INDEX IF NOT EXISTS agent_events_event_type_idx ON agent_events (event_type);
CREATE INDEX IF NOT EXISTS agent_events_tags_idx ON agent_events USING gin (tags);
CREATE INDEX IF NOT EXISTS agent_events_severity_idx ON agent_events (severity);
CREATE INDEX IF NOT EXISTS agent_events_ingest_xid_idx ON agent_events (ingest_xid);
