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
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

ALTER TABLE chat_messages DROP CONSTRAINT IF EXISTS chat_messages_session_id_fkey;
DROP INDEX IF EXISTS chat_messages_session_id_idx;
CREATE INDEX IF NOT EXISTS chat_messages_session_time_idx ON chat_messages (session_id, "timestamp", id);
DROP INDEX IF EXISTS chat_messages_session_id_sequence_idx;
ALTER TABLE chat_messages SET (fillfactor = 85);
ALTER TABLE chat_messages ALTER COLUMN search_vector DROP EXPRESSION IF EXISTS;
