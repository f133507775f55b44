-- TimescaleDB: why day d may not be dropped whatever the aggregates hold, or NULL:
-- * a refresh policy reaches it (sluice_timescale_policy_refusal);
-- * it was dropped before and has rows again (late events): they can reach the aggregates only
--   through a refresh over the whole day, which needs the dropped rows back (retention restores
--   them first).
-- NULL in plain mode.
CREATE OR REPLACE FUNCTION sluice_timescale_drop_refusal(d date) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    reason text := sluice_timescale_policy_refusal(d);
    n      bigint;
BEGIN
    IF sluice_mode() <> 'timescale' OR reason IS NOT NULL THEN
        RETURN reason;
    END IF;
    IF EXISTS (SELECT 1 FROM sluice_archive_parts WHERE day = d AND dropped_at IS NOT NULL) THEN
        SELECT count(*) INTO n FROM agent_events
         WHERE "timestamp" >= sluice_day_start(d) AND "timestamp" < sluice_day_start(d + 1);
        IF n > 0 THEN
            RETURN format('day %s was dropped before and has %s rows again (late events); the continuous aggregates '
                          'can take them only through a refresh over the whole day, which needs the dropped rows: '
                          'retention restores them first (by hand: `sluice archive restore %s`, then retention again)', d, n, d);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
