-- The end of a projector step's range (issue 3: projection lag). Until now a step folded up to
-- pg_snapshot_xmin(pg_current_snapshot()), the oldest transaction still running in the whole
-- cluster. Two kinds of running transactions held it back for nothing:
--
-- * A step of the other projector part (it writes the projections, so it has a transaction id):
--   each part's horizon stayed below the other part's current step, so an event committed during
--   a sessions step (0.1-0.3 s while ingesting) waited for that step to end, then for the next
--   aggregates step, and the other way round.
-- * Transactions of other databases of the cluster (transaction ids are cluster-wide): a long
--   migration or bulk load next door stalled this database's projections.
--
-- Neither can store a row in this database's agent_events: a transaction that holds the advisory
-- lock 'sluice_projector' (every step shares it, a rebuild takes it alone) never writes the log,
-- and a transaction cannot write another database's tables. So the horizon is the oldest running
-- transaction of neither kind, or the snapshot's xmax when there is none. Every row below it is
-- final, as before: each transaction with a lower id has ended or cannot have stored one, and a
-- transaction that has no id yet will get one at or above xmax. Stored rows carry top-level ids,
-- and a snapshot lists top-level ids only.
--
-- Both facts are permanent once seen (an id that held the lock belongs to a projector step; a
-- backend never changes database), so pg_locks, pg_stat_activity and the snapshot need not be
-- read at the same instant: a transaction that began or ended in between is only not left out.
-- Ids that cannot be attributed (prepared transactions, or a backend_xid hidden from this role)
-- are kept. So the result can be lower than an earlier call's (an id left out then, kept now):
-- a step takes the greater of its position and this.
--
-- pg_locks shows the lock's 64-bit key as classid (high 32 bits) and objid (low 32 bits), with
-- objsubid 1, and a transaction's own id as a transactionid lock of the same
-- virtualtransaction. pg_locks and pg_stat_activity hold 32-bit ids: running ones span less than
-- 2^31, so the low 32 bits of a snapshot's xid8 name one of them.
CREATE OR REPLACE FUNCTION sluice_step_horizon() RETURNS xid8
LANGUAGE sql VOLATILE AS $$
    WITH snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
    here AS (SELECT oid FROM pg_database WHERE datname = current_database()),
    locks AS MATERIALIZED (
        SELECT locktype, database, classid, objid, objsubid, virtualtransaction, transactionid, granted
        FROM pg_locks WHERE locktype IN ('advisory', 'transactionid')),
    key AS (SELECT hashtext('sluice_projector')::bigint AS k),
    cannot_store AS (
        SELECT x.transactionid::text::bigint AS xid32
        FROM locks a JOIN locks x ON x.virtualtransaction = a.virtualtransaction AND x.locktype = 'transactionid', key
        WHERE a.locktype = 'advisory' AND a.granted AND a.database = (SELECT oid FROM here)
          AND a.classid::text::bigint = (key.k >> 32) & 4294967295
          AND a.objid::text::bigint = key.k & 4294967295
          AND a.objsubid = 1
        UNION ALL
        SELECT backend_xid::text::bigint FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datid IS NOT NULL AND datid <> (SELECT oid FROM here))
    SELECT least(pg_snapshot_xmax(s),
                 (SELECT min(x) FROM pg_snapshot_xip(s) AS x
                  WHERE (x::text::bigint & 4294967295) NOT IN (SELECT xid32 FROM cannot_store)))
    FROM snapshot
$$;
