-- The p-quantile of a latency histogram: the upper bound (2^k ms) of the bucket where the
-- cumulative count reaches ceil(p * total); NULL for an empty histogram. A PL/pgSQL loop (a window
-- query per group was about 7 times slower over a month of hourly rows).
CREATE OR REPLACE FUNCTION sluice_histogram_quantile(h bigint[], p double precision) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    n bigint;
    total bigint := 0;
    cum bigint := 0;
    k integer := 0;
    target double precision;
BEGIN
    IF h IS NULL THEN RETURN NULL; END IF;
    FOREACH n IN ARRAY h LOOP total := total + coalesce(n, 0); END LOOP;
    IF total <= 0 THEN RETURN NULL; END IF;
    target := ceil(p * total);
    FOREACH n IN ARRAY h LOOP
        cum := cum + coalesce(n, 0);
        IF cum >= target THEN RETURN (1::bigint << k)::numeric; END IF;
        k := k + 1;
    END LOOP;
    RETURN NULL;
END
$$;
