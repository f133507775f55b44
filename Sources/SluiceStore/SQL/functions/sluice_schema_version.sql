-- The newest plain migration applied: the schema version both modes share.
CREATE OR REPLACE FUNCTION sluice_schema_version() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT max(name) FROM sluice_migrations WHERE name LIKE 'migrations/%'
$$;
