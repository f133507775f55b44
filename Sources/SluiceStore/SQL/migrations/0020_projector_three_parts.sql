-- The projector in three parts (issue 3: projection lag). The `sessions` part of 0017 folded the
-- hierarchy, chat and agent sessions one after the other, and was the slowest part: 0.2-0.3 s per
-- step at half the maximum ingest rate, against 0.1 s for `aggregates`. Its work becomes two parts
-- that fold concurrently, each on its own connection:
--
-- * `chat`: the hierarchy, chat sessions and messages (a chat session needs its workspace);
-- * `agent_sessions`: agent sessions, and the end of their chat sessions.
--
-- Both start where `sessions` stood. A server of an older version would fold with `sessions`
-- again (the trigger refuses it, with what to do).
--
-- The two meet in chat_sessions.ended_at: a chat session inserted by one step while another step
-- ends its agent session must not miss that end. So each step takes advisory locks on the sessions
-- (sluice_lock_chat_sessions, in one global order, so that two steps cannot deadlock) before it
-- writes those chat sessions, and holds them to its commit; after the lock, each step sets the
-- chat sessions' end from agent_sessions. Whichever of the two steps takes the lock second reads
-- what the first committed.
--
-- The functions of this migration are defined in functions/ (one file each), applied after the
-- migrations (docs/sql-layout.md); this file keeps its tables, indexes and data moves.

INSERT INTO projector_positions (projector, horizon, updated_at)
SELECT part, s.horizon, s.updated_at
FROM projector_positions s, (VALUES ('chat'), ('agent_sessions')) AS parts (part)
WHERE s.projector = 'sessions'
ON CONFLICT (projector) DO NOTHING;
DELETE FROM projector_positions WHERE projector = 'sessions';
