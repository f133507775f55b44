-- After a rebuild's refold, puts back what sluice_rebuild_keep() set aside (the aggregate rows of
-- dropped days, the sessions and chat with events on a dropped day) over what the refold made of
-- them, deleting the refolded messages of kept chat sessions and copying search_vector with the
-- rest of each kept message.
CREATE OR REPLACE FUNCTION sluice_rebuild_restore() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    DELETE FROM agent_sessions WHERE id IN (SELECT id FROM sluice_keep_sessions);
    INSERT INTO agent_sessions SELECT * FROM sluice_keep_sessions;
    DELETE FROM chat_messages WHERE session_id IN (SELECT session_id FROM sluice_keep_chat_sessions);
    DELETE FROM chat_sessions WHERE session_id IN (SELECT session_id FROM sluice_keep_chat_sessions);
    INSERT INTO chat_sessions SELECT * FROM sluice_keep_chat_sessions;
    INSERT INTO chat_messages SELECT * FROM sluice_keep_chat_messages;
    IF sluice_mode() = 'plain' THEN
        FOR t IN SELECT * FROM sluice_rebuild_aggregates() LOOP
            EXECUTE format('DELETE FROM %I a USING sluice_dropped_days() d WHERE a.%I >= d.lo AND a.%I < d.hi',
                           t.name, t.time_column, t.time_column);
            EXECUTE format('INSERT INTO %I SELECT * FROM %I', t.name, 'sluice_keep_' || t.name);
        END LOOP;
    END IF;
END
$$;
