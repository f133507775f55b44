-- Records the late days of the events stored by transactions in [from_xid, to_xid).
CREATE OR REPLACE FUNCTION sluice_request_late_days(from_xid xid8, to_xid xid8) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO sluice_late_day_refreshes (day)
    SELECT d FROM sluice_late_days(from_xid, to_xid) d
    ON CONFLICT (day) DO UPDATE SET requested = excluded.requested
$$;
