-- Project / machine / workspace hierarchy and chat sessions, as in devlog's Prisma schema
-- (snake_case names as in its @map; camelCase fields without @map keep their Prisma name,
-- lower-cased to snake_case here for consistency: full_name, repo_url, ...).
--
-- Rows here are created by projections and by the devlog-compatible API, never required by the
-- event log: agent_events has no foreign key to these tables (see 0003_agent_events.sql).

CREATE TABLE IF NOT EXISTS projects (
    id          serial PRIMARY KEY,
    name        text NOT NULL,                 -- "devlog"
    full_name   text NOT NULL UNIQUE,          -- "codervisor/devlog"
    repo_url    text UNIQUE,                   -- "git@github.com:codervisor/devlog.git"; NULL for a project named by hand
    repo_owner  text NOT NULL DEFAULT '',      -- "codervisor"
    repo_name   text NOT NULL,                 -- "devlog"
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS projects_full_name_idx ON projects (full_name);
CREATE INDEX IF NOT EXISTS projects_repo_url_idx ON projects (repo_url);

CREATE TABLE IF NOT EXISTS machines (
    id           serial PRIMARY KEY,
    machine_id   text NOT NULL UNIQUE,         -- "marv-macbook-pro-darwin"
    hostname     text NOT NULL,
    username     text NOT NULL DEFAULT '',
    os_type      text NOT NULL DEFAULT '',     -- "darwin", "linux", "windows"
    os_version   text,
    machine_type text NOT NULL DEFAULT 'local',-- "local", "remote", "cloud", "ci"
    ip_address   text,
    metadata     jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS machines_machine_id_idx ON machines (machine_id);
CREATE INDEX IF NOT EXISTS machines_hostname_idx ON machines (hostname);
CREATE INDEX IF NOT EXISTS machines_machine_type_idx ON machines (machine_type);

-- devlog's implicit many-to-many "MachineProjects", made explicit.
CREATE TABLE IF NOT EXISTS machine_projects (
    machine_id integer NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    project_id integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (machine_id, project_id)
);
CREATE INDEX IF NOT EXISTS machine_projects_project_id_idx ON machine_projects (project_id);

CREATE TABLE IF NOT EXISTS workspaces (
    id             serial PRIMARY KEY,
    project_id     integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    machine_id     integer NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    workspace_id   text NOT NULL UNIQUE,       -- VS Code workspace UUID
    workspace_path text NOT NULL,
    workspace_type text NOT NULL DEFAULT 'folder', -- "folder", "multi-root"
    branch         text,
    "commit"       text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, machine_id, workspace_id)
);
CREATE INDEX IF NOT EXISTS workspaces_workspace_id_idx ON workspaces (workspace_id);
CREATE INDEX IF NOT EXISTS workspaces_project_id_idx ON workspaces (project_id);
CREATE INDEX IF NOT EXISTS workspaces_machine_id_idx ON workspaces (machine_id);

CREATE TABLE IF NOT EXISTS chat_sessions (
    id            serial PRIMARY KEY,
    session_id    uuid NOT NULL UNIQUE,
    workspace_id  integer NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    agent_type    text NOT NULL,               -- "copilot", "claude", "cursor"
    model_id      text,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    message_count integer NOT NULL DEFAULT 0,
    total_tokens  integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS chat_sessions_session_id_idx ON chat_sessions (session_id);
CREATE INDEX IF NOT EXISTS chat_sessions_workspace_id_idx ON chat_sessions (workspace_id);
CREATE INDEX IF NOT EXISTS chat_sessions_started_at_idx ON chat_sessions (started_at DESC);
CREATE INDEX IF NOT EXISTS chat_sessions_agent_type_idx ON chat_sessions (agent_type);

CREATE TABLE IF NOT EXISTS chat_messages (
    id             uuid PRIMARY KEY,
    session_id     uuid NOT NULL REFERENCES chat_sessions (session_id) ON DELETE CASCADE,
    role           text NOT NULL,              -- "user", "assistant"
    content        text NOT NULL,
    "timestamp"    timestamptz NOT NULL,
    sequence       integer NOT NULL,
    metadata       jsonb NOT NULL DEFAULT '{}',
    search_content text
);
CREATE INDEX IF NOT EXISTS chat_messages_session_id_idx ON chat_messages (session_id);
CREATE INDEX IF NOT EXISTS chat_messages_timestamp_idx ON chat_messages ("timestamp");
CREATE INDEX IF NOT EXISTS chat_messages_session_id_sequence_idx ON chat_messages (session_id, sequence);
CREATE INDEX IF NOT EXISTS chat_messages_search_idx ON chat_messages
    USING gin (to_tsvector('english', coalesce(search_content, '')));

CREATE TABLE IF NOT EXISTS agent_sessions (
    id            uuid PRIMARY KEY,
    agent_id      text NOT NULL,
    agent_version text NOT NULL,
    project_id    integer NOT NULL,
    start_time    timestamptz NOT NULL,
    end_time      timestamptz,
    duration      integer,                     -- seconds
    context       jsonb NOT NULL DEFAULT '{}',
    metrics       jsonb NOT NULL DEFAULT '{}',
    outcome       text,                        -- "success", "failure", "partial", "cancelled"
    quality_score numeric(5, 2)                -- 0-100
);
CREATE INDEX IF NOT EXISTS agent_sessions_start_time_idx ON agent_sessions (start_time DESC);
CREATE INDEX IF NOT EXISTS agent_sessions_agent_id_idx ON agent_sessions (agent_id);
CREATE INDEX IF NOT EXISTS agent_sessions_project_id_idx ON agent_sessions (project_id);
CREATE INDEX IF NOT EXISTS agent_sessions_outcome_idx ON agent_sessions (outcome);
CREATE INDEX IF NOT EXISTS agent_sessions_quality_score_idx ON agent_sessions (quality_score);
