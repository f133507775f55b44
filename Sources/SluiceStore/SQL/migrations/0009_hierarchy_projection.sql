-- The project / machine / workspace hierarchy as a projection of event context.
--
-- Events name their project by id (projectId). Context may describe the rest:
--   machineId      an integer: a machines row (devlog's collector resolves it by API); a string:
--                  the machine's own id, upserted with hostname, username, os/osType, osVersion
--   workspaceId    an integer: a workspaces row; a string: the workspace's own id (VS Code's),
--                  upserted with workspacePath (or cwd), branch (or gitBranch) and commit
-- A project id with no row gets an explicit placeholder (name 'project-<id>'); an event with no
-- machine gets the machine 'unknown'; with no workspace, the workspace 'unknown:<project id>'.
-- Nothing is NULL soup, and nothing here can make a projection step fail: a value of the wrong
-- type counts as absent, and an integer id with no row is ignored.

CREATE OR REPLACE FUNCTION sluice_project_hierarchy(from_xid xid8, to_xid xid8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint := 0;
    k bigint;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS sluice_hierarchy_facts (
        project_id integer, machine_key text, machine_row integer, hostname text, username text, os_type text,
        os_version text, workspace_key text, workspace_row integer, workspace_path text, branch text, "commit" text,
        seen timestamptz) ON COMMIT DROP;
    TRUNCATE sluice_hierarchy_facts;
    INSERT INTO sluice_hierarchy_facts
    SELECT DISTINCT ON (project_id, mk, mr, wk, wr)
           project_id,
           mk, mr,
           coalesce(sluice_str(context, 'hostname'), mk), coalesce(sluice_str(context, 'username'), ''),
           coalesce(sluice_str(context, 'osType'), sluice_str(context, 'os'), ''), sluice_str(context, 'osVersion'),
           wk, wr,
           coalesce(sluice_str(context, 'workspacePath'), sluice_str(context, 'cwd'), ''),
           coalesce(sluice_str(context, 'branch'), sluice_str(context, 'gitBranch')), sluice_str(context, 'commit'),
           "timestamp"
    FROM (SELECT e.*,
                 sluice_str(e.context, 'machineId') AS mk,
                 CASE WHEN jsonb_typeof(e.context -> 'machineId') = 'number' THEN (e.context ->> 'machineId')::numeric::integer END AS mr,
                 sluice_str(e.context, 'workspaceId') AS wk,
                 CASE WHEN jsonb_typeof(e.context -> 'workspaceId') = 'number' THEN (e.context ->> 'workspaceId')::numeric::integer END AS wr
          FROM agent_events e
          WHERE e.ingest_xid >= from_xid AND e.ingest_xid < to_xid) x
    ORDER BY project_id, mk, mr, wk, wr, "timestamp" DESC;

    -- Projects named only by id.
    INSERT INTO projects (id, name, full_name, repo_name)
    SELECT DISTINCT project_id, 'project-' || project_id, 'project-' || project_id, 'project-' || project_id
    FROM sluice_hierarchy_facts
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
    IF k > 0 THEN
        PERFORM setval(pg_get_serial_sequence('projects', 'id'), greatest((SELECT max(id) FROM projects), 1));
    END IF;

    -- Machines: by their own id, or 'unknown'.
    INSERT INTO machines AS m (machine_id, hostname, username, os_type, os_version, machine_type)
    SELECT DISTINCT ON (coalesce(machine_key, 'unknown'))
           coalesce(machine_key, 'unknown'), coalesce(hostname, 'unknown'), username, os_type, os_version, 'local'
    FROM sluice_hierarchy_facts
    WHERE machine_row IS NULL OR machine_row NOT IN (SELECT id FROM machines)
    ORDER BY coalesce(machine_key, 'unknown'), seen DESC
    ON CONFLICT (machine_id) DO UPDATE SET last_seen_at = now(),
        hostname = CASE WHEN excluded.machine_id = 'unknown' THEN m.hostname ELSE excluded.hostname END;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;

    UPDATE sluice_hierarchy_facts f SET machine_row = m.id
    FROM machines m
    WHERE (f.machine_row IS NULL OR f.machine_row NOT IN (SELECT id FROM machines))
      AND m.machine_id = coalesce(f.machine_key, 'unknown');

    INSERT INTO machine_projects (machine_id, project_id)
    SELECT DISTINCT machine_row, project_id FROM sluice_hierarchy_facts
    ON CONFLICT DO NOTHING;

    -- Workspaces: by their own id, or 'unknown:<project>'.
    INSERT INTO workspaces AS w (project_id, machine_id, workspace_id, workspace_path, workspace_type, branch, "commit")
    SELECT DISTINCT ON (coalesce(workspace_key, 'unknown:' || project_id))
           project_id, machine_row, coalesce(workspace_key, 'unknown:' || project_id), workspace_path, 'folder', branch, "commit"
    FROM sluice_hierarchy_facts
    WHERE workspace_row IS NULL OR workspace_row NOT IN (SELECT id FROM workspaces)
    ORDER BY coalesce(workspace_key, 'unknown:' || project_id), seen DESC
    ON CONFLICT (workspace_id) DO UPDATE SET last_seen_at = now(),
        branch = coalesce(excluded.branch, w.branch), "commit" = coalesce(excluded."commit", w."commit"),
        workspace_path = CASE WHEN excluded.workspace_path = '' THEN w.workspace_path ELSE excluded.workspace_path END;
    GET DIAGNOSTICS k = ROW_COUNT;
    RETURN n + k;
END
$$;
