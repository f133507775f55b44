-- An event's cost in USD (metrics.cost or metrics.costUSD), NULL when absent, not a number, or of
-- 9·10^15 or more in magnitude (sluice_num's rule).
CREATE OR REPLACE FUNCTION sluice_cost_usd(metrics jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(metrics -> 'cost') = 'number' AND abs((metrics ->> 'cost')::numeric) < 9e15 THEN (metrics ->> 'cost')::numeric END,
                    CASE WHEN jsonb_typeof(metrics -> 'costUSD') = 'number' AND abs((metrics ->> 'costUSD')::numeric) < 9e15 THEN (metrics ->> 'costUSD')::numeric END)
$$;
