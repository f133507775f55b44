-- Before a rebuild empties the projections: copies aside (temporary tables, dropped at COMMIT) the
-- aggregate rows of dropped days (plain mode) and the sessions, with their chat, that had events on
-- a dropped day; sluice_rebuild_restore() puts them back after the refold.
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
