-- The hierarchy (projects, machines, workspaces) of the events of [from_xid, to_xid), read
-- through sluice_fold_events: each distinct (project, context) of the range once, with the latest
-- time it was seen, so the latest event of a (project, machine, workspace) key carries the latest
-- of its contexts. The scratch table lives as long as the connection and is emptied at each commit
-- (no catalog churn per step).
-- only_ids/only_times (parallel arrays of event keys), when given, restrict the fold to those
-- events: the projector's bisection of a failing step (projector_dead_letters).
CREATE OR REPLACE FUNCTION sluice_project_hierarchy(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL, only_times timestamptz[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    n bigint := 0;
    k bigint;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS sluice_step_hierarchy (
        project_id integer, machine_key text, machine_row integer, hostname text, username text, os_type text,
        os_version text, workspace_key text, workspace_row integer, workspace_path text, branch text, "commit" text,
        seen timestamptz) ON COMMIT DELETE ROWS;
    DELETE FROM sluice_step_hierarchy;
    INSERT INTO sluice_step_hierarchy
    SELECT DISTINCT ON (project_id, mk, mr, wk, wr)
           project_id,
           mk, mr,
           coalesce(sluice_str(context, 'hostname'), mk), coalesce(sluice_str(context, 'username'), ''),
           coalesce(sluice_str(context, 'osType'), sluice_str(context, 'os'), ''), sluice_str(context, 'osVersion'),
           wk, wr,
           coalesce(sluice_str(context, 'workspacePath'), sluice_str(context, 'cwd'), ''),
           coalesce(sluice_str(context, 'branch'), sluice_str(context, 'gitBranch')), sluice_str(context, 'commit'),
           "timestamp"
    FROM (SELECT g.*,
                 sluice_str(g.context, 'machineId') AS mk,
                 CASE WHEN jsonb_typeof(g.context -> 'machineId') = 'number' THEN (g.context ->> 'machineId')::numeric::integer END AS mr,
                 sluice_str(g.context, 'workspaceId') AS wk,
                 CASE WHEN jsonb_typeof(g.context -> 'workspaceId') = 'number' THEN (g.context ->> 'workspaceId')::numeric::integer END AS wr
          FROM (SELECT e.project_id, e.context, max(e."timestamp") AS "timestamp"
                FROM sluice_fold_events(from_xid, to_xid, only_ids, only_times) e
                GROUP BY e.project_id, e.context) g) x
    ORDER BY project_id, mk, mr, wk, wr, "timestamp" DESC;

    -- Projects named only by id.
    INSERT INTO projects (id, name, full_name, repo_name)
    SELECT DISTINCT project_id, 'project-' || project_id, 'project-' || project_id, 'project-' || project_id
    FROM sluice_step_hierarchy
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
    FROM sluice_step_hierarchy
    WHERE machine_row IS NULL OR machine_row NOT IN (SELECT id FROM machines)
    ORDER BY coalesce(machine_key, 'unknown'), seen DESC
    ON CONFLICT (machine_id) DO UPDATE SET last_seen_at = now(),
        hostname = CASE WHEN excluded.machine_id = 'unknown' THEN m.hostname ELSE excluded.hostname END;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;

    UPDATE sluice_step_hierarchy f SET machine_row = m.id
    FROM machines m
    WHERE (f.machine_row IS NULL OR f.machine_row NOT IN (SELECT id FROM machines))
      AND m.machine_id = coalesce(f.machine_key, 'unknown');

    INSERT INTO machine_projects (machine_id, project_id)
    SELECT DISTINCT machine_row, project_id FROM sluice_step_hierarchy
    ON CONFLICT DO NOTHING;

    -- Workspaces: by their own id, or 'unknown:<project>'.
    INSERT INTO workspaces AS w (project_id, machine_id, workspace_id, workspace_path, workspace_type, branch, "commit")
    SELECT DISTINCT ON (coalesce(workspace_key, 'unknown:' || project_id))
           project_id, machine_row, coalesce(workspace_key, 'unknown:' || project_id), workspace_path, 'folder', branch, "commit"
    FROM sluice_step_hierarchy
    WHERE workspace_row IS NULL OR workspace_row NOT IN (SELECT id FROM workspaces)
    ORDER BY coalesce(workspace_key, 'unknown:' || project_id), seen DESC
    ON CONFLICT (workspace_id) DO UPDATE SET last_seen_at = now(),
        branch = coalesce(excluded.branch, w.branch), "commit" = coalesce(excluded."commit", w."commit"),
        workspace_path = CASE WHEN excluded.workspace_path = '' THEN w.workspace_path ELSE excluded.workspace_path END;
    GET DIAGNOSTICS k = ROW_COUNT;
    RETURN n + k;
END
$$;
