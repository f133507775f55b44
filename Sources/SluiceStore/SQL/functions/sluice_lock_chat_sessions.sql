-- Locks these chat sessions until the end of the transaction. A lock covers one of 256 buckets of
-- sessions, so that a step (or a rebuild, one transaction) never holds more than 256 of them
-- however many sessions it writes; two steps may then wait for each other's unrelated sessions,
-- briefly. Buckets are locked in ascending order.
CREATE OR REPLACE FUNCTION sluice_lock_chat_sessions(ids uuid[]) RETURNS void
LANGUAGE sql AS $$
    SELECT count(pg_advisory_xact_lock(hashtext('sluice_chat_session'), k))
    FROM (SELECT DISTINCT hashtext(id::text) & 255 AS k FROM unnest(ids) AS id ORDER BY 1 OFFSET 0) keys
$$;
