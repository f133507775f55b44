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
