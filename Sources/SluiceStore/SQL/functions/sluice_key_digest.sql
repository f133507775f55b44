-- A sum of key hashes as the digest: modulo 2^64, in [0, 2^64).
CREATE OR REPLACE FUNCTION sluice_key_digest(hash_sum numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((coalesce(hash_sum, 0) % 18446744073709551616) + 18446744073709551616) % 18446744073709551616
$$;
