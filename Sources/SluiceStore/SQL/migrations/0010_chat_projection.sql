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
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

ALTER TABLE chat_sessions ADD COLUMN IF NOT EXISTS model_seen_at timestamptz;
ALTER TABLE chat_sessions ADD COLUMN IF NOT EXISTS workspace_seen_at timestamptz;
