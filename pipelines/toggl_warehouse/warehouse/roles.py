"""Roles for BI tools: the read-only role (`sql/roles/bi_readonly.sql`) and a login that is a member of it
(`sql/roles/bi_login.sql`), its password taken from `TOGGL_BI_PASSWORD` and sent only as a SCRAM verifier."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql

from toggl_warehouse.warehouse.migrations import default_sql_dir

BI_PASSWORD_ENV = "TOGGL_BI_PASSWORD"
BI_STATEMENT_TIMEOUT = "60s"
"""The login's default statement_timeout: a dashboard query running longer is cancelled."""


class RoleError(ValueError):
    """A BI role or login cannot be created as asked; the message says what to do."""


def create_readonly_role(engine: sa.Engine, role: str, sql_dir: Path | None = None) -> None:
    """Create `role` (NOLOGIN) if missing and let it read the `reporting` schema, and nothing else."""
    _run_template(engine, "bi_readonly.sql", sql_dir, role=sql.Identifier(role), role_literal=sql.Literal(role))


def bi_password(environ: Mapping[str, str]) -> str:
    """The BI login's password from `TOGGL_BI_PASSWORD`; a one-line RoleError when it is unset or blank."""
    password = environ.get(BI_PASSWORD_ENV, "")
    if not password.strip():
        raise RoleError(f"--bi-login needs the login's password in {BI_PASSWORD_ENV} (never on the command line): "
                        f"export {BI_PASSWORD_ENV}=... or put it in .env")
    return password


def create_login_role(engine: sa.Engine, role: str, login: str, password: str, sql_dir: Path | None = None,
                      statement_timeout: str = BI_STATEMENT_TIMEOUT) -> None:
    """Create (or update the password of) the LOGIN role `login` as a member of the read-only `role`, its
    sessions read-only with `statement_timeout`.

    `role` must exist (see `create_readonly_role`). Only the SCRAM-SHA-256 verifier of `password` is sent.
    """
    if login == role:
        raise RoleError(f"--bi-login must differ from --bi-role ({role!r} is the NOLOGIN role it joins)")
    with engine.connect() as conn:
        pgconn = conn.connection.driver_connection.pgconn
        verifier = pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()
    _run_template(
        engine, "bi_login.sql", sql_dir, role=sql.Identifier(role), login=sql.Identifier(login),
        login_literal=sql.Literal(login), password=sql.Literal(verifier),
        statement_timeout=sql.Literal(statement_timeout),
    )


def _run_template(engine: sa.Engine, name: str, sql_dir: Path | None, **values: sql.Composable) -> None:
    """Run `sql/roles/<name>` with `values` substituted (identifiers and literals, quoted by psycopg)."""
    template = ((sql_dir or default_sql_dir()) / "roles" / name).read_text()
    statement = sql.SQL(template).format(**values)
    try:
        with engine.begin() as conn:
            conn.connection.driver_connection.execute(statement)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise RoleError(f"cannot create BI roles: the warehouse user lacks CREATEROLE ({exc.diag.message_primary}); "
                        "run migrate once as a superuser or a role with CREATEROLE") from None
