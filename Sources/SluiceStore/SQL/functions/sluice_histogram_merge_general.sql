-- Histograms of our own making always have 32 buckets from index 1: added element by element
-- without a query (so that PostgreSQL inlines it into an upsert). Anything else takes the general
-- path of 0006.
CREATE OR REPLACE FUNCTION sluice_histogram_merge_general(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(x + y ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;
