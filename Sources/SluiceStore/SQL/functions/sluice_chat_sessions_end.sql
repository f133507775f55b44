-- The end of these sessions' chat sessions, from agent_sessions, under their locks (both parts;
-- a lock the caller already holds is taken again at no cost).
CREATE OR REPLACE FUNCTION sluice_chat_sessions_end(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sluice_lock_chat_sessions(ids);
    UPDATE chat_sessions c SET ended_at = s.end_time FROM agent_sessions s
    WHERE s.id = c.session_id AND c.session_id = ANY(ids) AND c.ended_at IS DISTINCT FROM s.end_time;
END
$$;
