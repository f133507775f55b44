-- Sessions (Sources/SluiceProjections/SessionFold.swift) are folded in Swift; reading every new
-- event into Swift cost more than the rest of a step together. So PostgreSQL pre-folds the events
-- whose values it reads exactly as the Swift fold does, and only the others travel one by one:
-- sluice_session_simple says which. Simple: not a test_run or build_trigger (their verdicts stay
-- in Swift); every token count absent, not a number, or a whole number in [0, 9e15) (what the
-- fold reads as a Double, exactly); every cost absent, not a number, or under 9e9 in magnitude (so
-- that cost × 10^9 fits the fold's Int64 of nano-dollars); a tool call's status absent, not a
-- string, or ASCII (lower() and Swift's lowercased() agree on it).
CREATE OR REPLACE FUNCTION sluice_plain_count(j jsonb, k text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j -> k) = 'number'
                THEN (j -> k)::numeric >= 0 AND (j -> k)::numeric < 9e15 AND (j -> k)::numeric = trunc((j -> k)::numeric)
                ELSE true END
$$;
