-- Cheaper chat message inserts and renumbering, same rows (issue 3: projection lag). Measured in a
-- bench database of 1,200,000 events (224,581 messages): a message that commits after a later one
-- of its session renumbers the messages after it, and that had happened 126,752 times, none of
-- them a HOT update; the chat projection was the slowest phase of a step (0.2-0.35 s for 5,000
-- events while ingesting).
--
-- * `sequence` is no longer indexed: a session's messages are found in (timestamp, id) order
--   (the order sequences follow) by chat_messages_session_time_idx, so renumbering changes no
--   indexed column and can be a HOT update (room left on each page for it: fillfactor 85).
-- * search_vector is computed once, when the message is inserted, instead of at every update
--   (a generated column is recomputed by each UPDATE); the projector and a rebuild's restore are
--   its only writers.
-- * The foreign key to chat_sessions checked every new message with a query of its own, a third
--   of the chat projection's time (1,086 new messages: 95 → 64 ms). chat_messages are written only
--   by the projector, which upserts each new message's chat session just before, in the same
--   transaction; a rebuild deletes both tables.
-- * The index on session_id alone was the prefix of the one on (session_id, sequence).

ALTER TABLE chat_messages DROP CONSTRAINT IF EXISTS chat_messages_session_id_fkey;
DROP INDEX IF EXISTS chat_messages_session_id_idx;
CREATE INDEX IF NOT EXISTS chat_messages_session_time_idx ON chat_messages (session_id, "timestamp", id);
DROP INDEX IF EXISTS chat_messages_session_id_sequence_idx;
ALTER TABLE chat_messages SET (fillfactor = 85);
ALTER TABLE chat_messages ALTER COLUMN search_vector DROP EXPRESSION IF EXISTS;

-- 0012's chat projection: the session's last stored message by (timestamp, id), the vector
-- written with the message, and sessions renumbered one by one.
CREATE OR REPLACE FUNCTION sluice_project_chat(from_xid xid8, to_xid xid8) RETURNS bigint
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
          FROM agent_events a
          WHERE a.ingest_xid >= from_xid AND a.ingest_xid < to_xid AND a.event_type IN ('user_interaction', 'user_prompt', 'llm_response')
          OFFSET 0) e
    WHERE e.text IS NOT NULL
    ORDER BY e.id, e.ingest_xid, e."timestamp";
    DELETE FROM sluice_step_chat c USING chat_messages m WHERE m.id = c.id;
    SELECT count(*) INTO n FROM sluice_step_chat;
    IF n = 0 THEN RETURN 0; END IF;

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

    RETURN n;
END
$$;

-- 0013's restore, deleting the refolded messages of kept chat sessions itself (the foreign key's
-- ON DELETE CASCADE did), and copying search_vector with the rest of each kept message.
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
