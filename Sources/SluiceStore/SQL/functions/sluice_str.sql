-- j ->> k when it is a JSON string, NULL otherwise.
CREATE OR REPLACE FUNCTION sluice_str(j jsonb, k text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j -> k) = 'string' THEN j ->> k END
$$;
