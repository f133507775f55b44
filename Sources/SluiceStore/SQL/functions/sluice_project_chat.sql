-- The chat part of a projector step: chat sessions and messages of the events of
-- [from_xid, to_xid), read through sluice_fold_events. A new message gets its final sequence when
-- it is inserted: the session's message count so far plus its rank among the new ones, which is
-- its rank by (timestamp, id) whenever it is later than the session's last stored message (the
-- usual case). Sessions where that does not hold (a late message) or where a message was not
-- inserted (its id already stored) are renumbered one by one, so stored sequences are always 1..n
-- in (timestamp, id) order. search_vector is written with the message. The chat sessions are
-- written last, under their advisory locks (sluice_lock_chat_sessions), with their end.
-- only_ids/only_times (parallel arrays of event keys), when given, restrict the fold to those
-- events: the projector's bisection of a failing step (projector_dead_letters).
CREATE OR REPLACE FUNCTION sluice_project_chat(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    n bigint;
    renumbered uuid;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_chat (
        id uuid, session_id uuid, role text, content text, "timestamp" timestamptz, project_id integer,
        agent_id text, workspace_key text, model text, tokens numeric) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_chat_sessions (
        session_id uuid PRIMARY KEY, stored integer, in_order boolean) ON COMMIT DELETE ROWS;
    DELETE FROM sluice_step_chat;
    DELETE FROM sluice_step_chat_sessions;
    -- A message is an event id: the log's key is (id, timestamp), so an id sent again with another
    -- timestamp is a second event but not a second message. The first stored (lowest ingest_xid)
    -- is the message, in a step and in a rebuild alike.
    INSERT INTO sluice_step_chat
    SELECT DISTINCT ON (e.id) e.id, e.session_id,
           CASE WHEN e.event_type = 'llm_response' THEN 'assistant' ELSE 'user' END,
           e.text, e."timestamp", e.project_id, e.agent_id,
           sluice_str(e.context, 'workspaceId'),
           nullif(sluice_model(e.data, e.metrics, e.context), ''),
           coalesce(sluice_tokens_in(e.metrics), 0) + coalesce(sluice_tokens_out(e.metrics), 0)
    FROM (SELECT a.*, sluice_chat_text(a.event_type, a.data) AS text
          FROM sluice_fold_events(from_xid, to_xid, only_ids, only_times) a
          WHERE a.event_type IN ('user_interaction', 'user_prompt', 'llm_response')
          OFFSET 0) e
    WHERE e.text IS NOT NULL
    ORDER BY e.id, e.ingest_xid, e."timestamp";
    DELETE FROM sluice_step_chat c USING chat_messages m WHERE m.id = c.id;
    SELECT count(*) INTO n FROM sluice_step_chat;
    IF n = 0 THEN RETURN 0; END IF;

    -- Per session: how many messages it stores, and whether every new message comes after the
    -- last of them (the last stored message in (timestamp, id) order, which has the highest sequence).
    INSERT INTO sluice_step_chat_sessions
    SELECT s.session_id, coalesce(last.sequence, 0),
           last.sequence IS NULL OR (s.first_ts, s.first_id) > (last."timestamp", last.id)
    FROM (SELECT DISTINCT ON (session_id) session_id, "timestamp" AS first_ts, id AS first_id
          FROM sluice_step_chat ORDER BY session_id, "timestamp", id) s
    LEFT JOIN LATERAL (SELECT m.sequence, m."timestamp", m.id FROM chat_messages m
                       WHERE m.session_id = s.session_id ORDER BY m."timestamp" DESC, m.id DESC LIMIT 1) last ON true;

    WITH inserted AS (
        INSERT INTO chat_messages (id, session_id, role, content, "timestamp", sequence, search_content, search_vector)
        SELECT c.id, c.session_id, c.role, c.content, c."timestamp",
               CASE WHEN s.in_order
                    THEN s.stored + row_number() OVER (PARTITION BY c.session_id ORDER BY c."timestamp", c.id)
                    ELSE 0 END,
               c.content, to_tsvector('english', coalesce(c.content, ''))
        FROM sluice_step_chat c JOIN sluice_step_chat_sessions s USING (session_id)
        ON CONFLICT (id) DO NOTHING
        RETURNING session_id),
    counts AS (SELECT session_id, count(*) AS inserted FROM inserted GROUP BY session_id),
    expected AS (SELECT session_id, count(*) AS expected FROM sluice_step_chat GROUP BY session_id)
    UPDATE sluice_step_chat_sessions s SET in_order = false
    FROM expected e LEFT JOIN counts c USING (session_id)
    WHERE s.session_id = e.session_id AND s.in_order AND coalesce(c.inserted, 0) <> e.expected;

    -- One session at a time, through the session's index: renumbering them in one statement
    -- joined the new ranks to a sequential scan of the whole table.
    FOR renumbered IN SELECT session_id FROM sluice_step_chat_sessions WHERE NOT in_order ORDER BY session_id LOOP
        UPDATE chat_messages m SET sequence = r.rank
        FROM (SELECT id, row_number() OVER (ORDER BY "timestamp", id) AS rank
              FROM chat_messages WHERE session_id = renumbered) r
        WHERE m.session_id = renumbered AND m.id = r.id AND m.sequence <> r.rank;
    END LOOP;

    -- The chat sessions last, under their session locks (held to the commit): the agent_sessions
    -- part writes their end (sluice_chat_sessions_end).
    PERFORM sluice_lock_chat_sessions(array_agg(session_id)) FROM sluice_step_chat_sessions;
    INSERT INTO chat_sessions AS c (session_id, workspace_id, workspace_seen_at, agent_type, model_id, model_seen_at,
                                    started_at, message_count, total_tokens)
    SELECT s.session_id, w.id, s.workspace_at, s.agent_id, s.model, s.model_at, s.started, s.messages, s.tokens
    FROM (SELECT session_id,
                 coalesce((array_agg(workspace_key ORDER BY "timestamp", id) FILTER (WHERE workspace_key IS NOT NULL))[1],
                          'unknown:' || (array_agg(project_id ORDER BY "timestamp", id))[1]) AS workspace_key,
                 min("timestamp") FILTER (WHERE workspace_key IS NOT NULL) AS workspace_at,
                 (array_agg(agent_id ORDER BY "timestamp", id))[1] AS agent_id,
                 (array_agg(model ORDER BY "timestamp" DESC, id DESC) FILTER (WHERE model IS NOT NULL))[1] AS model,
                 max("timestamp") FILTER (WHERE model IS NOT NULL) AS model_at,
                 min("timestamp") AS started, count(*) AS messages, sum(tokens) AS tokens
          FROM sluice_step_chat GROUP BY session_id) s
    JOIN workspaces w ON w.workspace_id = s.workspace_key
    ORDER BY s.session_id
    ON CONFLICT (session_id) DO UPDATE SET
        workspace_id = CASE WHEN excluded.workspace_seen_at < c.workspace_seen_at
                              OR (c.workspace_seen_at IS NULL AND excluded.workspace_seen_at IS NOT NULL)
                            THEN excluded.workspace_id ELSE c.workspace_id END,
        workspace_seen_at = least(c.workspace_seen_at, excluded.workspace_seen_at),
        started_at = least(c.started_at, excluded.started_at),
        message_count = c.message_count + excluded.message_count,
        total_tokens = c.total_tokens + excluded.total_tokens,
        model_id = CASE WHEN excluded.model_seen_at > c.model_seen_at OR c.model_seen_at IS NULL
                        THEN coalesce(excluded.model_id, c.model_id) ELSE c.model_id END,
        model_seen_at = greatest(c.model_seen_at, excluded.model_seen_at);
    PERFORM sluice_chat_sessions_end(array_agg(session_id)) FROM sluice_step_chat_sessions;

    RETURN n;
END
$$;
