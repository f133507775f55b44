-- API keys. Only a SHA-256 of the key is stored; the key itself is shown once, at creation.
-- A key belongs to one project (it writes and reads only that project's events), or to none
-- when it is an admin key.

CREATE TABLE IF NOT EXISTS api_keys (
    id         serial PRIMARY KEY,
    name       text NOT NULL,
    prefix     text NOT NULL,                  -- first characters of the key, to tell keys apart
    key_hash   bytea NOT NULL UNIQUE,          -- sha256(key)
    project_id integer REFERENCES projects (id) ON DELETE CASCADE,
    is_admin   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK (is_admin OR project_id IS NOT NULL)
);
