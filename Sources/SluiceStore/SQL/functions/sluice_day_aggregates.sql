-- TimescaleDB: for each continuous aggregate on agent_events, and each one built on those
-- (hierarchical: a daily rollup of an hourly one), parents first: its rows for the buckets of day d
-- as materialized, as its query computes them from its source now (the raw rows, or the parent
-- aggregate), and how many of either the other lacks (0: the aggregate holds the day). No rows in
-- plain mode.
CREATE OR REPLACE FUNCTION sluice_day_aggregates(d date)
RETURNS TABLE (aggregate text, materialized bigint, computed bigint, differing bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    lo timestamptz := sluice_day_start(d);
    hi timestamptz := sluice_day_start(d + 1);
    c  record;
BEGIN
    IF sluice_mode() <> 'timescale' THEN
        RETURN;
    END IF;
    FOR c IN
        WITH RECURSIVE tree (mat_hypertable_id, depth) AS (
            SELECT a.mat_hypertable_id, 1
              FROM _timescaledb_catalog.continuous_agg a
              JOIN _timescaledb_catalog.hypertable r ON r.id = a.raw_hypertable_id
             WHERE r.table_name = 'agent_events' AND r.schema_name = current_schema()
            UNION ALL
            SELECT a.mat_hypertable_id, t.depth + 1
              FROM _timescaledb_catalog.continuous_agg a JOIN tree t ON a.raw_hypertable_id = t.mat_hypertable_id
        )
        SELECT format('%I.%I', a.user_view_schema, a.user_view_name) AS name,
               format('%I.%I', m.schema_name, m.table_name) AS mat,
               format('%I.%I', a.direct_view_schema, a.direct_view_name) AS direct,
               dim.column_name AS bucket
          FROM tree t
          JOIN _timescaledb_catalog.continuous_agg a ON a.mat_hypertable_id = t.mat_hypertable_id
          JOIN _timescaledb_catalog.hypertable m ON m.id = a.mat_hypertable_id
          JOIN _timescaledb_catalog.dimension dim ON dim.hypertable_id = m.id
         ORDER BY t.depth, a.user_view_name
    LOOP
        aggregate := c.name;
        EXECUTE format($q$
            WITH m AS (SELECT * FROM %1$s WHERE %3$I >= $1 AND %3$I < $2),
                 r AS (SELECT * FROM %2$s WHERE %3$I >= $1 AND %3$I < $2)
            SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM r),
                   (SELECT count(*) FROM (SELECT * FROM m EXCEPT ALL SELECT * FROM r) x)
                 + (SELECT count(*) FROM (SELECT * FROM r EXCEPT ALL SELECT * FROM m) y)
            $q$, c.mat, c.direct, c.bucket)
            INTO materialized, computed, differing USING lo, hi;
        RETURN NEXT;
    END LOOP;
END
$$;
