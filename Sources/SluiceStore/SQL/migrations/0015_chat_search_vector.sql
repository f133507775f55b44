-- GET /v1/chat/search ranks every message that matches, then returns the best few. Ranking
-- recomputed to_tsvector for each match (a common word matches tens of thousands of messages);
-- with the vector stored, ranking and matching read it, and the GIN index is built on it.
-- The column is generated: every writer of chat_messages keeps writing search_content only.

ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', coalesce(search_content, ''))) STORED;
CREATE INDEX IF NOT EXISTS chat_messages_search_vector_idx ON chat_messages USING gin (search_vector);
DROP INDEX IF EXISTS chat_messages_search_idx;
