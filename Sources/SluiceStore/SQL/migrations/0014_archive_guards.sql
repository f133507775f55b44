-- Guards for the archive and retention of 0011 (an audit of issue 4 found these gaps).
--
-- 1. TimescaleDB mode: dropping a day's chunks is safe for the continuous aggregates only if they
--    already hold that whole day; a policy that never ran (TimescaleDB's job runner fails on
--    PostgreSQL 15.20, see README) or events imported older than the policies' window leave the
--    day unmaterialized, and the drop would take the only source with it. sluice_day_aggregates()
--    compares, for each continuous aggregate on agent_events, what it has materialized for the day
--    (its materialization hypertable, so real-time aggregation cannot answer from raw rows in its
--    place) with what its own query computes from the raw rows (its direct view), row for row.
--    Retention refreshes the aggregates that differ over the day and checks again
--    (refresh_continuous_aggregate() cannot run inside a function or transaction); the drop
--    refuses any difference. A refresh policy without a start_offset reaches back forever, so a
--    refresh over a dropped day would erase it: such a policy refuses every drop.
-- 2. Verification compared row counts only. A part's key digest (the manifest's keyDigest, the
--    catalog's key_digest) sums a hash of every row's key, so a missing row plus a duplicate row
--    no longer pass.
-- 3. The manifest's schemaVersion was max(name) over sluice_migrations, which in TimescaleDB mode
--    is a timescale/ file; sluice_schema_version() is the newest migrations/ file in both modes.
--
-- Plain mode is unchanged. Idempotent.

-- The newest plain migration applied: the schema version both modes share.
CREATE OR REPLACE FUNCTION sluice_schema_version() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT max(name) FROM sluice_migrations WHERE name LIKE 'migrations/%'
$$;

-- The hash of one row's key: the first 8 bytes (big-endian, as a signed bigint) of the MD5 of the
-- 16 bytes of `id` and the 8 bytes of `"timestamp"`, exactly as binary COPY sends them, so that the
-- archiver computes it from the rows it exports and the verifier from the rows of a file.
CREATE OR REPLACE FUNCTION sluice_key_hash(id uuid, ts timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || left(md5(uuid_send(id) || timestamptz_send(ts)), 16))::bit(64)::bigint
$$;

-- A sum of key hashes as the digest: modulo 2^64, in [0, 2^64).
CREATE OR REPLACE FUNCTION sluice_key_digest(hash_sum numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((coalesce(hash_sum, 0) % 18446744073709551616) + 18446744073709551616) % 18446744073709551616
$$;

ALTER TABLE sluice_archive_parts ADD COLUMN IF NOT EXISTS key_digest numeric;

-- The rows of one archived part still in the log, and their key digest (verify compares both with
-- the manifest). The same rows as sluice_archived_part_rows() of 0011.
CREATE OR REPLACE FUNCTION sluice_archived_part_digest(d date, k integer, OUT rows bigint, OUT digest text)
LANGUAGE sql STABLE AS $$
    SELECT count(*), sluice_key_digest(sum(sluice_key_hash(e.id, e."timestamp")))::text
      FROM agent_events e, sluice_archive_parts p
     WHERE p.day = d AND p.part = k
       AND e."timestamp" >= sluice_day_start(d) AND e."timestamp" < sluice_day_start(d + 1)
       AND pg_visible_in_snapshot(e.ingest_xid, p.snapshot)
       AND NOT coalesce(pg_visible_in_snapshot(e.ingest_xid,
               (SELECT q.snapshot FROM sluice_archive_parts q WHERE q.day = d AND q.part = k - 1)), false)
$$;

-- TimescaleDB: for each continuous aggregate on agent_events, and each one built on those
-- (hierarchical: a daily rollup of an hourly one), parents first: its rows for the buckets of day d
-- as materialized, as its query computes them from its source now (the raw rows, or the parent
-- aggregate), and how many of either the other lacks (0: the aggregate holds the day). No rows in
-- plain mode.
CREATE OR REPLACE FUNCTION sluice_day_aggregates(d date)
RETURNS TABLE (aggregate text, materialized bigint, computed bigint, differing bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    lo timestamptz := sluice_day_start(d);
    hi timestamptz := sluice_day_start(d + 1);
    c  record;
BEGIN
    IF sluice_mode() <> 'timescale' THEN
        RETURN;
    END IF;
    FOR c IN
        WITH RECURSIVE tree (mat_hypertable_id, depth) AS (
            SELECT a.mat_hypertable_id, 1
              FROM _timescaledb_catalog.continuous_agg a
              JOIN _timescaledb_catalog.hypertable r ON r.id = a.raw_hypertable_id
             WHERE r.table_name = 'agent_events' AND r.schema_name = current_schema()
            UNION ALL
            SELECT a.mat_hypertable_id, t.depth + 1
              FROM _timescaledb_catalog.continuous_agg a JOIN tree t ON a.raw_hypertable_id = t.mat_hypertable_id
        )
        SELECT format('%I.%I', a.user_view_schema, a.user_view_name) AS name,
               format('%I.%I', m.schema_name, m.table_name) AS mat,
               format('%I.%I', a.direct_view_schema, a.direct_view_name) AS direct,
               dim.column_name AS bucket
          FROM tree t
          JOIN _timescaledb_catalog.continuous_agg a ON a.mat_hypertable_id = t.mat_hypertable_id
          JOIN _timescaledb_catalog.hypertable m ON m.id = a.mat_hypertable_id
          JOIN _timescaledb_catalog.dimension dim ON dim.hypertable_id = m.id
         ORDER BY t.depth, a.user_view_name
    LOOP
        aggregate := c.name;
        EXECUTE format($q$
            WITH m AS (SELECT * FROM %1$s WHERE %3$I >= $1 AND %3$I < $2),
                 r AS (SELECT * FROM %2$s WHERE %3$I >= $1 AND %3$I < $2)
            SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM r),
                   (SELECT count(*) FROM (SELECT * FROM m EXCEPT ALL SELECT * FROM r) x)
                 + (SELECT count(*) FROM (SELECT * FROM r EXCEPT ALL SELECT * FROM m) y)
            $q$, c.mat, c.direct, c.bucket)
            INTO materialized, computed, differing USING lo, hi;
        RETURN NEXT;
    END LOOP;
END
$$;

-- TimescaleDB: why day d may not be dropped whatever the aggregates hold, or NULL. A refresh over a
-- range whose chunks are gone recomputes it from nothing and erases its aggregates, so:
-- * no refresh policy of an aggregate on agent_events may reach the day (a policy without a
--   start_offset reaches every day);
-- * a day dropped before that has rows again (late events) keeps them: they can reach the
--   aggregates only through a refresh over the whole day, which needs the dropped rows back.
-- NULL in plain mode.
CREATE OR REPLACE FUNCTION sluice_timescale_drop_refusal(d date) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    hi       timestamptz := sluice_day_start(d + 1);
    policies text;
    n        bigint;
BEGIN
    IF sluice_mode() <> 'timescale' THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(format('%s (start_offset %s)', j.hypertable_name, coalesce(j.config->>'start_offset', 'unset: unbounded')),
                      ', ' ORDER BY j.hypertable_name)
      INTO policies
      FROM timescaledb_information.jobs j
      JOIN timescaledb_information.continuous_aggregates c
        ON c.view_schema = j.hypertable_schema AND c.view_name = j.hypertable_name
     WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
       AND c.hypertable_schema = current_schema() AND c.hypertable_name = 'agent_events'
       AND (j.config->>'start_offset' IS NULL OR hi > now() - (j.config->>'start_offset')::interval);
    IF policies IS NOT NULL THEN
        RETURN format('day %s is inside the refresh window of the continuous aggregate policies of %s; a refresh '
                      'after the drop would erase its aggregates. Keep SLUICE_RETENTION_DAYS above every policy''s '
                      'start_offset (30 days in timescale/), and give every policy a start_offset', d, policies);
    END IF;
    IF EXISTS (SELECT 1 FROM sluice_archive_parts WHERE day = d AND dropped_at IS NOT NULL) THEN
        SELECT count(*) INTO n FROM agent_events
         WHERE "timestamp" >= sluice_day_start(d) AND "timestamp" < hi;
        IF n > 0 THEN
            RETURN format('day %s was dropped before and has %s rows again (late events); the continuous aggregates '
                          'can take them only through a refresh over the whole day, which needs the dropped rows: '
                          'run `sluice archive restore %s`, then retention again', d, n, d);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- Drops the raw rows of day d, which must be archived: every part verified and no row pending
-- (checked under a lock that holds off writers until the transaction ends). Plain mode detaches
-- and drops the day's partition and deletes the day's rows from the default partition;
-- TimescaleDB mode drops the day's chunks. Returns the rows dropped. Raises (and drops nothing)
-- when the day is not fully archived. With the TimescaleDB checks above: the policies' windows (a policy without a
-- start_offset now refuses instead of passing), a dropped day's late rows, and every aggregate
-- holding the day. The aggregates are compared before the lock (it holds off writers): rows are
-- only ever added, and any row added after the day was archived is pending, which the check under
-- the lock refuses.
CREATE OR REPLACE FUNCTION sluice_drop_archived_day(d date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    lo     timestamptz := sluice_day_start(d);
    hi     timestamptz := sluice_day_start(d + 1);
    part   text := format('agent_events_p%s', to_char(d, 'YYYYMMDD'));
    n      bigint;
    reason text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM sluice_archive_parts WHERE day = d) THEN
        RAISE EXCEPTION 'day % is not archived', d
            USING ERRCODE = 'P0001', HINT = 'run `sluice archive run` first';
    END IF;
    IF EXISTS (SELECT 1 FROM sluice_archive_parts WHERE day = d AND verified_at IS NULL) THEN
        RAISE EXCEPTION 'day % has an unverified archive part', d
            USING ERRCODE = 'P0001', HINT = 'run `sluice archive verify`';
    END IF;
    IF sluice_mode() = 'timescale' THEN
        reason := sluice_timescale_drop_refusal(d);
        IF reason IS NOT NULL THEN
            RAISE EXCEPTION '%', reason USING ERRCODE = 'P0001';
        END IF;
        SELECT string_agg(format('%s (%s rows materialized, %s computed from the raw rows, %s differ)',
                                 aggregate, materialized, computed, differing), ', ')
          INTO reason FROM sluice_day_aggregates(d) WHERE differing > 0;
        IF reason IS NOT NULL THEN
            RAISE EXCEPTION 'the continuous aggregates do not hold day % yet: %', d, reason
                USING ERRCODE = 'P0001',
                      HINT = 'retention refreshes them over the day first; by hand: CALL refresh_continuous_aggregate(''<aggregate>'', <day>, <day + 1>, force => true)';
        END IF;
    END IF;
    -- Writers wait (ROW EXCLUSIVE conflicts); readers go on until the drop itself.
    LOCK TABLE agent_events IN SHARE ROW EXCLUSIVE MODE;
    IF sluice_archive_pending(d) > 0 THEN
        RAISE EXCEPTION 'day % received events after it was archived', d
            USING ERRCODE = 'P0001', HINT = 'run `sluice archive run` again to archive them as another part';
    END IF;
    SELECT count(*) INTO n FROM agent_events WHERE "timestamp" >= lo AND "timestamp" < hi;
    IF sluice_mode() = 'plain' THEN
        IF EXISTS (SELECT 1 FROM pg_inherits
                    WHERE inhrelid = to_regclass(part) AND inhparent = 'agent_events'::regclass) THEN
            EXECUTE format('ALTER TABLE agent_events DETACH PARTITION %I', part);
            EXECUTE format('DROP TABLE %I', part);
        END IF;
        DELETE FROM agent_events_default WHERE "timestamp" >= lo AND "timestamp" < hi;
    ELSE
        PERFORM drop_chunks('agent_events', older_than => hi, newer_than => lo);
    END IF;
    IF EXISTS (SELECT 1 FROM agent_events WHERE "timestamp" >= lo AND "timestamp" < hi) THEN
        RAISE EXCEPTION 'rows of day % remain after dropping its partition or chunks', d
            USING ERRCODE = 'P0001', HINT = 'a chunk spans more than one day; use one-day chunks';
    END IF;
    UPDATE sluice_archive_parts SET dropped_at = now() WHERE day = d AND dropped_at IS NULL;
    RETURN n;
END
$$;
