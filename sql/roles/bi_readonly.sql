-- A read-only role for BI tools (created by `toggl-warehouse migrate --bi-role NAME`).
-- {role} is substituted as a quoted identifier. Grant the role to a login user:
--   CREATE ROLE metabase LOGIN PASSWORD '...' IN ROLE toggl_bi;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {role_literal}) THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA reporting, toggl TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA reporting, toggl TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting, toggl GRANT SELECT ON TABLES TO {role};
