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

-- The aggregate tables of plain mode and the column that places a row in time: what a rebuild
-- empties and refolds, and keeps for dropped days.
CREATE OR REPLACE FUNCTION sluice_rebuild_aggregates() RETURNS TABLE (name text, time_column text)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('agent_events_hourly', 'bucket'), ('agent_events_daily', 'bucket'), ('agent_tools_hourly', 'bucket'),
           ('agent_tools_daily', 'bucket'), ('agent_costs_daily', 'day')
$$;

-- Empties those tables (plain mode), for the refold.
CREATE OR REPLACE FUNCTION sluice_rebuild_truncate() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('%I', name), ', ') FROM sluice_rebuild_aggregates());
END
$$;

CREATE OR REPLACE FUNCTION sluice_rebuild_keep() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
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
        FOR t IN SELECT * FROM sluice_rebuild_aggregates() LOOP
            EXECUTE format('CREATE TEMP TABLE %I ON COMMIT DROP AS SELECT a.* FROM %I a, sluice_dropped_days() d WHERE a.%I >= d.lo AND a.%I < d.hi',
                           'sluice_keep_' || t.name, t.name, t.time_column, t.time_column);
        END LOOP;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION sluice_rebuild_restore() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    DELETE FROM agent_sessions WHERE id IN (SELECT id FROM sluice_keep_sessions);
    INSERT INTO agent_sessions SELECT * FROM sluice_keep_sessions;
    DELETE FROM chat_sessions WHERE session_id IN (SELECT session_id FROM sluice_keep_chat_sessions);
    INSERT INTO chat_sessions SELECT * FROM sluice_keep_chat_sessions;
    -- Named columns: search_vector (0015) is generated.
    INSERT INTO chat_messages (id, session_id, role, content, "timestamp", sequence, metadata, search_content)
    SELECT id, session_id, role, content, "timestamp", sequence, metadata, search_content FROM sluice_keep_chat_messages;
    IF sluice_mode() = 'plain' THEN
        FOR t IN SELECT * FROM sluice_rebuild_aggregates() LOOP
            EXECUTE format('DELETE FROM %I a USING sluice_dropped_days() d WHERE a.%I >= d.lo AND a.%I < d.hi',
                           t.name, t.time_column, t.time_column);
            EXECUTE format('INSERT INTO %I SELECT * FROM %I', t.name, 'sluice_keep_' || t.name);
        END LOOP;
    END IF;
END
$$;
