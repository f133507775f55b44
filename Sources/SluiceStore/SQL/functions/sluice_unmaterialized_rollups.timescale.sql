-- The continuous aggregates built on other continuous aggregates (the daily and all-projects
-- rollups) whose materialization holds nothing. A migration creates them WITH NO DATA (a refresh
-- cannot run in its transaction) and the policies reach back 30 days only, so on a database that
-- already holds data `sluice migrate` refreshes these over their whole range after applying the
-- files. That is safe even past days retention dropped: their source is the parent's
-- materialization, which keeps those days.
CREATE OR REPLACE FUNCTION sluice_unmaterialized_rollups() RETURNS SETOF text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
    empty boolean;
BEGIN
    FOR c IN
        SELECT a.user_view_name AS name, format('%I.%I', m.schema_name, m.table_name) AS mat
          FROM _timescaledb_catalog.continuous_agg a
          JOIN _timescaledb_catalog.hypertable m ON m.id = a.mat_hypertable_id
         WHERE a.user_view_schema = current_schema()
           AND EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_agg p WHERE p.mat_hypertable_id = a.raw_hypertable_id)
    LOOP
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s)', c.mat) INTO empty;
        IF empty THEN
            RETURN NEXT c.name;
        END IF;
    END LOOP;
END
$$;
