"""The read-only role BI tools use: created on request from `sql/roles/bi_readonly.sql`."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from psycopg import sql

from pipelines.warehouse.migrations import default_sql_dir


def create_readonly_role(engine: sa.Engine, role: str, sql_dir: Path | None = None) -> None:
    """Create `role` (NOLOGIN) if missing and let it read the `reporting` and `toggl` schemas."""
    template = ((sql_dir or default_sql_dir()) / "roles" / "bi_readonly.sql").read_text()
    statement = sql.SQL(template).format(role=sql.Identifier(role), role_literal=sql.Literal(role))
    with engine.begin() as conn:
        driver = conn.connection.driver_connection
        driver.execute(statement)
