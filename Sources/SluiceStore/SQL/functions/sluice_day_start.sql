-- The UTC day [lo, hi) as timestamps.
CREATE OR REPLACE FUNCTION sluice_day_start(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT d::timestamp AT TIME ZONE 'UTC' $$;
