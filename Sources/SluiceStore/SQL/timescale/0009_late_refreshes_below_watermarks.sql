-- TimescaleDB mode: the days the projector refreshes itself are every day of an event that no
-- continuous aggregate would show otherwise (issue 13: aggregates stale after a rebuild).
--
-- A real-time continuous aggregate shows the raw rows above its watermark and its materialization
-- below it. An event stored below the watermark is only in the invalidation log until a refresh
-- covers its bucket, and the policies refresh only [now - 30 days, now - end_offset): after
-- `sluice projections rebuild` had refreshed up to now, an event of the current hour stayed out
-- of every answer for an hour (two days for the daily rollups). timescale/0006 refreshed only the
-- days older than the policies' window.
--
-- So an event is late, and its UTC day is refreshed by the projector right after the step that
-- folded it (timescale/0008), when its time lies below any of:
-- * the policies' window start (now - start_offset): no policy will ever reach it;
-- * a continuous aggregate's watermark: it is not materialized and not shown in real time;
-- * an invalidation threshold: a refresh running now may move a watermark past it without having
--   seen it (a refresh moves the threshold first, in its own transaction, then materializes).
-- Sluice's own refreshes end at now() at the latest (ContinuousAggregates), which TimescaleDB
-- narrows to the start of the current bucket: they never materialize a bucket still filling, so
-- events of the current hour and day stay above every watermark and cost no refresh. Days that
-- retention dropped are left out, as before: their aggregates are the only copy of their rows.

-- The time below which a stored event is late.
CREATE OR REPLACE FUNCTION sluice_late_before() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT greatest(
        (SELECT min(now() - (j.config ->> 'start_offset')::interval) FROM timescaledb_information.jobs j
          WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND j.config ->> 'start_offset' IS NOT NULL),
        (SELECT max(_timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(c.mat_hypertable_id)))
           FROM _timescaledb_catalog.continuous_agg c),
        (SELECT max(_timescaledb_functions.to_timestamp(t.watermark))
           FROM _timescaledb_catalog.continuous_aggs_invalidation_threshold t))
$$;

CREATE OR REPLACE FUNCTION sluice_late_days(from_xid xid8, to_xid xid8) RETURNS SETOF date
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT (e."timestamp" AT TIME ZONE 'UTC')::date
    FROM agent_events e
    WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid
      AND e."timestamp" < sluice_late_before()
      AND NOT EXISTS (SELECT 1 FROM sluice_archive_parts p
                      WHERE p.day = (e."timestamp" AT TIME ZONE 'UTC')::date AND p.dropped_at IS NOT NULL)
    ORDER BY 1
$$;
