-- A login for one BI tool (created by `toggl-warehouse migrate --bi-role NAME --bi-login LOGIN`), a member of
-- the read-only role (sql/roles/bi_readonly.sql). The login name is a quoted identifier; the password is the
-- SCRAM-SHA-256 verifier computed by the client from TOGGL_BI_PASSWORD, so the password itself never reaches
-- the server's statement log. Running it again sets the password again.
DO $bi_login$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {login_literal}) THEN
        CREATE ROLE {login} LOGIN INHERIT PASSWORD {password};
    ELSE
        ALTER ROLE {login} LOGIN INHERIT PASSWORD {password};
    END IF;
END $bi_login$;
GRANT {role} TO {login};
-- Read-only sessions by default: a BI tool that tries to write gets an error even where PUBLIC may create.
ALTER ROLE {login} SET default_transaction_read_only = on;
-- A runaway dashboard query is cancelled instead of holding the server (a session may SET it otherwise).
ALTER ROLE {login} SET statement_timeout = {statement_timeout};
COMMENT ON ROLE {login} IS 'BI login of toggl-warehouse: member of the read-only role, password from TOGGL_BI_PASSWORD.';
