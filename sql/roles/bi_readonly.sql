-- A read-only role for BI tools (created by `toggl-warehouse migrate --bi-role NAME`).
-- {role} is substituted as a quoted identifier. Grant the role to a login user:
--   CREATE ROLE metabase LOGIN PASSWORD '...' IN ROLE toggl_bi;
-- It reads the schema reporting only: the views select from toggl with their owner's rights, so the role
-- needs nothing in toggl (emails, raw names) or toggl_raw (raw responses).
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {role_literal}) THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA reporting TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO {role};
-- Views a later migration creates or re-creates: granted by default when the migrating role creates them,
-- and again after every migrate run (toggl_warehouse.warehouse.migrations) whoever created them.
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO {role};
-- Before migration 031 the role could also read toggl: take that back.
REVOKE ALL ON ALL TABLES IN SCHEMA toggl FROM {role};
REVOKE USAGE ON SCHEMA toggl FROM {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA toggl REVOKE SELECT ON TABLES FROM {role};
