"""BI logins on real Postgres: `migrate --bi-role NAME --bi-login LOGIN` and toggl_warehouse.warehouse.roles.

Covers: the login, connecting as itself, reads `reporting` but not `toggl` (emails, raw names), `toggl_raw` nor the
migrations table, and cannot write (read-only sessions, no INSERT grant); its sessions have a statement_timeout;
its grants survive a later migration that drops and creates a reporting view again (by default privileges, and
by the grant migrate repeats when those were not the migrating role's); only a SCRAM verifier of the
password reaches the server; running it again is harmless; the CLI refuses --bi-login without
TOGGL_BI_PASSWORD (or without --bi-role) in one line before touching the database, and never prints the password.
"""

from __future__ import annotations

import shutil
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from toggl_warehouse.cli import main
from toggl_warehouse.warehouse.migrations import apply_migrations, default_sql_dir
from toggl_warehouse.warehouse.roles import RoleError, bi_password, create_login_role, create_readonly_role

pytestmark = pytest.mark.integration
PASSWORD = "s3cret-" + uuid.uuid4().hex[:8]


@pytest.fixture
def bi_names(engine):
    """A unique (role, login) pair, dropped after the test (roles are cluster-wide)."""
    suffix = uuid.uuid4().hex[:8]
    role, login = f"tw_bi_{suffix}", f"tw_bi_login_{suffix}"
    yield role, login
    with engine.begin() as conn:
        pg = conn.connection.driver_connection
        for name in (login, role):
            if pg.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                pg.execute(psycopg.sql.SQL("DROP OWNED BY {}").format(psycopg.sql.Identifier(name)))
                pg.execute(psycopg.sql.SQL("DROP ROLE {}").format(psycopg.sql.Identifier(name)))


def _connect_as(database_url: str, login: str) -> psycopg.Connection:
    url = make_url(database_url).set(username=login, password=PASSWORD)
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _fails(conn: psycopg.Connection, statement: str) -> type[Exception] | None:
    try:
        conn.execute(statement)
    except psycopg.Error as exc:
        return type(exc)
    return None


def test_login_reads_reporting_and_nothing_it_should_not(engine, database_url, bi_names):
    role, login = bi_names
    create_readonly_role(engine, role)
    create_login_role(engine, role, login, PASSWORD)
    create_login_role(engine, role, login, PASSWORD)  # again: the password is set again, nothing fails

    with _connect_as(database_url, login) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == login
        conn.execute("SELECT count(*) FROM reporting.time_entries").fetchone()
        conn.execute("SELECT count(*) FROM reporting.daily_project_hours").fetchone()
        conn.execute("SELECT count(*) FROM reporting.currencies").fetchone()
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "1min"
        assert _fails(conn, "SELECT count(*) FROM toggl.report_time_entries") is psycopg.errors.InsufficientPrivilege
        assert _fails(conn, "SELECT email FROM toggl.users") is psycopg.errors.InsufficientPrivilege
        assert _fails(conn, "SELECT count(*) FROM toggl_raw.api_responses") is psycopg.errors.InsufficientPrivilege
        assert _fails(conn, "SELECT count(*) FROM public.toggl_warehouse_migrations") is psycopg.errors.InsufficientPrivilege
        assert _fails(conn, "DELETE FROM reporting.currencies") is psycopg.errors.ReadOnlySqlTransaction
        assert _fails(conn, "CREATE TABLE public.bi_scratch (x int)") is psycopg.errors.ReadOnlySqlTransaction
        conn.execute("SET default_transaction_read_only = off")  # even then: no write privilege
        assert _fails(conn, "DELETE FROM reporting.currencies") is psycopg.errors.InsufficientPrivilege

    with engine.connect() as conn:
        stored = conn.connection.driver_connection.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$") and PASSWORD not in stored


@pytest.mark.parametrize("default_privileges", [True, False], ids=["default-privileges", "migrate-grants-again"])
def test_grants_survive_a_migration_that_creates_a_view_again(clean_warehouse, database_url, bi_names, tmp_path,
                                                              default_privileges):
    engine = clean_warehouse
    role, login = bi_names
    create_readonly_role(engine, role)
    create_login_role(engine, role, login, PASSWORD)
    if not default_privileges:  # as when a later migration runs as another role than the one that created the BI role
        with engine.begin() as conn:
            conn.connection.driver_connection.execute(psycopg.sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA reporting REVOKE SELECT ON TABLES FROM {}").format(psycopg.sql.Identifier(role)))
    sql_dir = tmp_path / "sql"
    shutil.copytree(default_sql_dir(), sql_dir)
    star = (sql_dir / "031_reporting_star_schema.sql").read_text()
    users = star[star.index("CREATE VIEW reporting.users AS"):star.index("CREATE VIEW reporting.clients AS")]
    (sql_dir / "999_recreate_a_view.sql").write_text("DROP VIEW reporting.users;\n" + users)  # as it was: same view
    try:
        assert apply_migrations(engine, sql_dir) == ["999_recreate_a_view.sql"]
        with _connect_as(database_url, login) as conn:
            assert conn.execute("SELECT count(*) FROM reporting.users").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM reporting.calendar").fetchone()[0] >= 365
    finally:  # the session's database goes on with the real sql/: undo the test migration
        with engine.begin() as conn:
            pg = conn.connection.driver_connection
            pg.execute("DELETE FROM public.toggl_warehouse_migrations WHERE version = '999'")
            pg.execute(psycopg.sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA reporting REVOKE SELECT ON TABLES FROM {}").format(
                psycopg.sql.Identifier(role)))


def test_cli_creates_the_login_without_printing_the_password(monkeypatch, capsys, database_url, bi_names):
    role, login = bi_names
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TOGGL_BI_PASSWORD", PASSWORD)

    code = main(["migrate", "--bi-role", role, "--bi-login", login])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert login in out and PASSWORD not in out + err
    with _connect_as(database_url, login) as conn:
        conn.execute("SELECT count(*) FROM reporting.time_entries").fetchone()


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--bi-role", "x_bi", "--bi-login", "x_login"], "TOGGL_BI_PASSWORD"), (["--bi-login", "x_login"], "--bi-role")],
)
def test_cli_refuses_a_login_without_password_or_role(monkeypatch, capsys, argv, message):
    monkeypatch.delenv("TOGGL_BI_PASSWORD", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/never_reached")

    code = main(["migrate", *argv])

    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_blank_password_is_refused():
    with pytest.raises(RoleError, match="TOGGL_BI_PASSWORD"):
        bi_password({"TOGGL_BI_PASSWORD": "  "})
