-- The days before `before` that hold rows, oldest first. Jumps from one day with rows to the next
-- through the timestamp index, so sparse history costs one probe per day that has rows.
CREATE OR REPLACE FUNCTION sluice_event_days(before timestamptz) RETURNS SETOF date
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t timestamptz;
    d date;
BEGIN
    SELECT min("timestamp") INTO t FROM agent_events WHERE "timestamp" < before;
    WHILE t IS NOT NULL LOOP
        d := (t AT TIME ZONE 'UTC')::date;
        IF sluice_day_start(d + 1) > before THEN
            RETURN;
        END IF;
        RETURN NEXT d;
        SELECT min("timestamp") INTO t FROM agent_events
         WHERE "timestamp" >= sluice_day_start(d + 1) AND "timestamp" < before;
    END LOOP;
END
$$;
