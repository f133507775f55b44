-- `sluice projections rebuild` refolds the log, but retention has dropped the raw rows of archived
-- days: what was folded from them exists only in the projections. A rebuild therefore keeps, as
-- they were, the aggregate rows of dropped days and the sessions (with their chat) that had
-- events on a dropped day, and refolds everything else from the log.
--
-- sluice_rebuild_keep() copies those rows aside (temporary tables, dropped at COMMIT) before the
-- projections are emptied; sluice_rebuild_restore() puts them back over what the refold made of
-- the rows still in the log for those days and sessions (late events that arrived after the drop,
-- which the kept rows already include). In TimescaleDB mode the aggregates are continuous
-- aggregates, which a rebuild does not touch; only sessions and chat are kept.

CREATE OR REPLACE FUNCTION sluice_dropped_days() RETURNS TABLE (lo timestamptz, hi timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT sluice_day_start(day), sluice_day_start(day + 1)
      FROM sluice_archive_parts WHERE dropped_at IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION sluice_rebuild_keep() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE sluice_keep_sessions ON COMMIT DROP AS
        SELECT s.* FROM agent_sessions s
         WHERE EXISTS (SELECT 1 FROM sluice_dropped_days() d
                        WHERE s.start_time < d.hi AND coalesce(s.last_event_at, s.end_time, s.start_time) >= d.lo);
    CREATE TEMP TABLE sluice_keep_chat_sessions ON COMMIT DROP AS
        SELECT c.* FROM chat_sessions c WHERE c.session_id IN (SELECT id FROM sluice_keep_sessions)
            OR EXISTS (SELECT 1 FROM sluice_dropped_days() d
                        WHERE c.started_at < d.hi AND coalesce(c.ended_at, c.started_at) >= d.lo);
    CREATE TEMP TABLE sluice_keep_chat_messages ON COMMIT DROP AS
        SELECT m.* FROM chat_messages m WHERE m.session_id IN (SELECT session_id FROM sluice_keep_chat_sessions);
    IF sluice_mode() = 'plain' THEN
        CREATE TEMP TABLE sluice_keep_hourly ON COMMIT DROP AS
            SELECT h.* FROM agent_events_hourly h, sluice_dropped_days() d WHERE h.bucket >= d.lo AND h.bucket < d.hi;
        CREATE TEMP TABLE sluice_keep_tools ON COMMIT DROP AS
            SELECT t.* FROM agent_tools_hourly t, sluice_dropped_days() d WHERE t.bucket >= d.lo AND t.bucket < d.hi;
        CREATE TEMP TABLE sluice_keep_costs ON COMMIT DROP AS
            SELECT c.* FROM agent_costs_daily c, sluice_dropped_days() d WHERE c.day >= d.lo AND c.day < d.hi;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION sluice_rebuild_restore() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM agent_sessions WHERE id IN (SELECT id FROM sluice_keep_sessions);
    INSERT INTO agent_sessions SELECT * FROM sluice_keep_sessions;
    DELETE FROM chat_sessions WHERE session_id IN (SELECT session_id FROM sluice_keep_chat_sessions);
    INSERT INTO chat_sessions SELECT * FROM sluice_keep_chat_sessions;
    INSERT INTO chat_messages SELECT * FROM sluice_keep_chat_messages;
    IF sluice_mode() = 'plain' THEN
        DELETE FROM agent_events_hourly h USING sluice_dropped_days() d WHERE h.bucket >= d.lo AND h.bucket < d.hi;
        INSERT INTO agent_events_hourly SELECT * FROM sluice_keep_hourly;
        DELETE FROM agent_tools_hourly t USING sluice_dropped_days() d WHERE t.bucket >= d.lo AND t.bucket < d.hi;
        INSERT INTO agent_tools_hourly SELECT * FROM sluice_keep_tools;
        DELETE FROM agent_costs_daily c USING sluice_dropped_days() d WHERE c.day >= d.lo AND c.day < d.hi;
        INSERT INTO agent_costs_daily SELECT * FROM sluice_keep_costs;
    END IF;
END
$$;
