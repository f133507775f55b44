-- The dashboards' latency histogram per bucket: sluice_rollup's histograms summed bucket by bucket.
--
-- In TimescaleDB mode sluice_rollup is defined after the timescale/ migrations (its .timescale
-- variant reads their continuous aggregates), after this file: the body is checked when first
-- called.
SET LOCAL check_function_bodies = off;
CREATE OR REPLACE FUNCTION sluice_rollup_latency(range_from timestamptz, range_to timestamptz, projects text, agent text)
RETURNS TABLE (bucket timestamptz, latency_histogram bigint[])
LANGUAGE sql STABLE AS $$
    SELECT r.bucket,
           ARRAY[sum(r.latency_histogram[1]), sum(r.latency_histogram[2]), sum(r.latency_histogram[3]), sum(r.latency_histogram[4]),
                 sum(r.latency_histogram[5]), sum(r.latency_histogram[6]), sum(r.latency_histogram[7]), sum(r.latency_histogram[8]),
                 sum(r.latency_histogram[9]), sum(r.latency_histogram[10]), sum(r.latency_histogram[11]), sum(r.latency_histogram[12]),
                 sum(r.latency_histogram[13]), sum(r.latency_histogram[14]), sum(r.latency_histogram[15]), sum(r.latency_histogram[16]),
                 sum(r.latency_histogram[17]), sum(r.latency_histogram[18]), sum(r.latency_histogram[19]), sum(r.latency_histogram[20]),
                 sum(r.latency_histogram[21]), sum(r.latency_histogram[22]), sum(r.latency_histogram[23]), sum(r.latency_histogram[24]),
                 sum(r.latency_histogram[25]), sum(r.latency_histogram[26]), sum(r.latency_histogram[27]), sum(r.latency_histogram[28]),
                 sum(r.latency_histogram[29]), sum(r.latency_histogram[30]), sum(r.latency_histogram[31]), sum(r.latency_histogram[32])]::bigint[]
      FROM sluice_rollup(range_from, range_to, projects, agent) r
     WHERE r.duration_count > 0
     GROUP BY 1
$$;
