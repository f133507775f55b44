-- Whether project_id is among `projects` ('*' or a comma-separated list of ids). Inlined: for '*'
-- PostgreSQL folds it to true (the list is never read), for a list to project_id = ANY('{...}'),
-- which the indexes on project_id answer.
CREATE OR REPLACE FUNCTION sluice_in_projects(project_id integer, projects text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT projects = '*' OR project_id = ANY(string_to_array(replace(projects, ' ', ''), ',')::integer[])
$$;
