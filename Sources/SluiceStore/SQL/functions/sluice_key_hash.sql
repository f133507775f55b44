-- The hash of one row's key: the first 8 bytes (big-endian, as a signed bigint) of the MD5 of the
-- 16 bytes of `id` and the 8 bytes of `"timestamp"`, exactly as binary COPY sends them, so that the
-- archiver computes it from the rows it exports and the verifier from the rows of a file.
CREATE OR REPLACE FUNCTION sluice_key_hash(id uuid, ts timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || left(md5(uuid_send(id) || timestamptz_send(ts)), 16))::bit(64)::bigint
$$;
