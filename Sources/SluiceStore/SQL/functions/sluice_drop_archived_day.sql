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
