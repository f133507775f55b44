-- Done with day d, unless a later step asked for it again.
CREATE OR REPLACE FUNCTION sluice_late_day_refreshed(d date, asked xid8) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM sluice_late_day_refreshes WHERE day = d AND requested = asked
$$;
