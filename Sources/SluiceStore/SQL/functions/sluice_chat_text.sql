-- The text of a chat message carried by an event: a user prompt (user_interaction, user_prompt) or
-- an LLM response (llm_response), from data.prompt/response, data.content or data.message; NULL otherwise.
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
