-- The model an event names (data.model, metrics.model or context.model), NULL when none.
CREATE OR REPLACE FUNCTION sluice_model(data jsonb, metrics jsonb, context jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE WHEN jsonb_typeof(data -> 'model') = 'string' THEN data ->> 'model' END,
                    CASE WHEN jsonb_typeof(metrics -> 'model') = 'string' THEN metrics ->> 'model' END,
                    CASE WHEN jsonb_typeof(context -> 'model') = 'string' THEN context ->> 'model' END, '')
$$;
