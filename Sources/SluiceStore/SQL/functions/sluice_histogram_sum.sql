-- The sum of latency histograms (an aggregate, over sluice_histogram_add).
CREATE OR REPLACE AGGREGATE sluice_histogram_sum(bigint[]) (
    SFUNC = sluice_histogram_add, STYPE = bigint[], COMBINEFUNC = sluice_histogram_add, PARALLEL = SAFE);
