-- The latency histogram (32 counts, bucket 0 first) of a set of sluice_latency_bucket values; the
-- continuous aggregates of TimescaleDB mode build theirs with it.
CREATE OR REPLACE FUNCTION sluice_histogram_of(buckets integer[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(c.n, 0) ORDER BY k.k)
    FROM generate_series(0, 31) AS k(k)
    LEFT JOIN (SELECT b, count(*) AS n FROM unnest(buckets) AS b WHERE b IS NOT NULL GROUP BY b) c ON c.b = k.k
$$;
