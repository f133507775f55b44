-- A key's own ingest rate (sluice keys create --rate, --burst): events a second and burst. NULL:
-- the server's default (SLUICE_RATE_EVENTS_PER_S, SLUICE_RATE_BURST).
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS rate_events_per_s integer CHECK (rate_events_per_s > 0);
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS rate_burst integer CHECK (rate_burst > 0);
