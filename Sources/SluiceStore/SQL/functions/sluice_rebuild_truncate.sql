-- Empties those tables (plain mode), for the refold.
CREATE OR REPLACE FUNCTION sluice_rebuild_truncate() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('%I', name), ', ') FROM sluice_rebuild_aggregates());
END
$$;
