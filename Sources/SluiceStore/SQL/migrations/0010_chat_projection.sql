-- chat_sessions and chat_messages as a projection of the log.
--
-- An event carries a chat message when it is
--   user_interaction / user_prompt with a string data.prompt, data.content or data.message: role user
--   llm_response with a string data.response, data.content or data.message: role assistant
-- The message id is the event id. `sequence` is the message's rank in its session by (timestamp,
-- id), renumbered when a late message arrives, so it equals what a rebuild gives. A chat session
-- exists for every session with a message: its workspace is the one named (context.workspaceId)
-- by its earliest message that names one, else 'unknown:<project>'; its model the one
-- named by its latest event that names one, its end the end of its agent session (set by the
-- session projector).

ALTER TABLE chat_sessions ADD COLUMN IF NOT EXISTS model_seen_at timestamptz;
ALTER TABLE chat_sessions ADD COLUMN IF NOT EXISTS workspace_seen_at timestamptz;

CREATE OR REPLACE FUNCTION sluice_chat_text(event_type text, data jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN event_type IN ('user_interaction', 'user_prompt')
            THEN coalesce(CASE WHEN jsonb_typeof(data -> 'prompt') = 'string' THEN data ->> 'prompt' END, CASE WHEN jsonb_typeof(data -> 'content') = 'string' THEN data ->> 'content' END,
                          CASE WHEN jsonb_typeof(data -> 'message') = 'string' THEN data ->> 'message' END)
        WHEN event_type = 'llm_response'
            THEN coalesce(CASE WHEN jsonb_typeof(data -> 'response') = 'string' THEN data ->> 'response' END, CASE WHEN jsonb_typeof(data -> 'content') = 'string' THEN data ->> 'content' END,
                          CASE WHEN jsonb_typeof(data -> 'message') = 'string' THEN data ->> 'message' END)
    END
$$;

CREATE OR REPLACE FUNCTION sluice_project_chat(from_xid xid8, to_xid xid8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS sluice_chat_new (
        id uuid, session_id uuid, role text, content text, "timestamp" timestamptz, project_id integer,
        agent_id text, workspace_key text, model text, tokens numeric) ON COMMIT DROP;
    TRUNCATE sluice_chat_new;
    INSERT INTO sluice_chat_new
    SELECT e.id, e.session_id,
           CASE WHEN e.event_type = 'llm_response' THEN 'assistant' ELSE 'user' END,
           sluice_chat_text(e.event_type, e.data), e."timestamp", e.project_id, e.agent_id,
           sluice_str(e.context, 'workspaceId'),
           nullif(sluice_model(e.data, e.metrics, e.context), ''),
           coalesce(sluice_tokens_in(e.metrics), 0) + coalesce(sluice_tokens_out(e.metrics), 0)
    FROM agent_events e
    WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid AND sluice_chat_text(e.event_type, e.data) IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
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
          FROM sluice_chat_new GROUP BY session_id) s
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

    INSERT INTO chat_messages (id, session_id, role, content, "timestamp", sequence, search_content)
    SELECT id, session_id, role, content, "timestamp", 0, content FROM sluice_chat_new
    ON CONFLICT (id) DO NOTHING;

    UPDATE chat_messages m SET sequence = r.rank
    FROM (SELECT id, row_number() OVER (PARTITION BY session_id ORDER BY "timestamp", id) AS rank
          FROM chat_messages WHERE session_id IN (SELECT DISTINCT session_id FROM sluice_chat_new)) r
    WHERE m.id = r.id AND m.sequence <> r.rank;

    RETURN n;
END
$$;
