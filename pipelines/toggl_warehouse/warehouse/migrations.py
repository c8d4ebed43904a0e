"""Apply the numbered SQL migrations (``sql/NNN_name.sql``) in order, recorded in a version table.

Each file runs in its own transaction together with the row that records it, under a transaction-level
advisory lock, so concurrent runners (parallel Dagster workers, ``toggl-warehouse migrate``) apply each
file once. A file whose content changed after it was applied is an error: write a new file instead.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import Connection, Engine

from toggl_warehouse.settings import SQL_DIR_ENV, LocalSetup

VERSION_TABLE_NAME = "public.toggl_warehouse_migrations"
VERSION_TABLE = sql.Identifier(*VERSION_TABLE_NAME.split("."))
_FILE_PATTERN = re.compile(r"^(\d+)_([A-Za-z0-9_]+)\.sql$")
_LOCK_KEY = 0x7467_5F77_6172_6568  # "tg_wareh": one advisory lock id for every migration runner

# The runner's own bookkeeping table; it cannot be a numbered migration because it records them.
_BOOTSTRAP = sql.SQL("""
CREATE TABLE IF NOT EXISTS {table} (
    version    text        PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE {table} IS 'SQL migrations of toggl-warehouse applied to this database (sql/NNN_name.sql).';
COMMENT ON COLUMN {table}.version IS 'Number of the migration file (NNN).';
COMMENT ON COLUMN {table}.name IS 'File name of the migration.';
COMMENT ON COLUMN {table}.checksum IS 'SHA-256 of the file (line endings normalised) when it was applied.';
COMMENT ON COLUMN {table}.applied_at IS 'When the migration was applied.';
""").format(table=VERSION_TABLE)


class MigrationError(RuntimeError):
    """The migration files or the recorded versions are inconsistent."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str  # file name, e.g. "003_report_time_entries.sql"
    sql: str
    checksum: str


def default_sql_dir() -> Path:
    """``TOGGL_WAREHOUSE_SQL_DIR``; else ``sql/`` of the source checkout (also editable installs); else
    the copy a wheel installs as data files under ``<prefix>/share/toggl-warehouse/sql``."""
    override = LocalSetup.from_env().sql_dir
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[3]
    for candidate in (checkout / "sql", Path(sys.prefix) / "share" / "toggl-warehouse" / "sql"):
        if candidate.is_dir():
            return candidate
    raise MigrationError(f"no sql/ directory found (looked in {checkout} and {sys.prefix}); set {SQL_DIR_ENV}")


def load_migrations(sql_dir: Path) -> list[Migration]:
    """The ``NNN_name.sql`` files of ``sql_dir`` in numeric order (other files are ignored)."""
    found: dict[int, Migration] = {}
    for path in sorted(sql_dir.iterdir()):
        match = _FILE_PATTERN.match(path.name)
        if not match or not path.is_file():
            continue
        number = int(match.group(1))
        if number in found:
            raise MigrationError(f"two migrations share number {number}: {found[number].name}, {path.name}")
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
        found[number] = Migration(match.group(1), path.name, text, checksum)
    return [found[number] for number in sorted(found)]


def apply_migrations(engine: Engine, sql_dir: Path | None = None) -> list[str]:
    """Apply the migrations not yet recorded; return the file names applied (empty when up to date)."""
    migrations = load_migrations(sql_dir or default_sql_dir())
    with engine.begin() as conn:
        _lock(conn)
        if not _version_table_exists(conn):
            _execute_script(conn, _BOOTSTRAP)
    applied: list[str] = []
    for migration in migrations:
        with engine.begin() as conn:
            _lock(conn)
            if _apply_one(conn, migration):
                applied.append(migration.name)
    if applied:
        with engine.begin() as conn:
            _execute_script(conn, _GRANT_REPORTING_TO_ITS_READERS)
    return applied


_GRANT_REPORTING_TO_ITS_READERS = """
DO $grant$ DECLARE reader regrole; BEGIN
    FOR reader IN SELECT DISTINCT a.grantee::regrole FROM pg_namespace n, aclexplode(n.nspacl) a
                   WHERE n.nspname = 'reporting' AND a.privilege_type = 'USAGE' AND a.grantee NOT IN (0, n.nspowner)
    LOOP
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO %s', reader);
    END LOOP;
END $grant$;
"""
"""Every role granted the schema reporting (the BI roles) can read every view in it, also the views a migration
just dropped and created again under another role than the one whose default privileges grant them."""


def _apply_one(conn: Connection, migration: Migration) -> bool:
    """Apply ``migration`` unless recorded (then verify its checksum); True when applied now."""
    recorded = _recorded(conn, migration.version)
    if recorded is not None:
        name, checksum = recorded
        if checksum != migration.checksum:
            raise MigrationError(
                f"migration {migration.name} changed after it was applied (as {name}); "
                "applied migrations are immutable: revert the edit and add a new numbered file"
            )
        return False
    _execute_script(conn, migration.sql)
    _record(conn, migration)
    return True


def _lock(conn: Connection) -> None:
    _run(conn, "SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))


def _version_table_exists(conn: Connection) -> bool:
    return _run(conn, "SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE_NAME,)).fetchone()[0]


def _recorded(conn: Connection, version: str) -> tuple[str, str] | None:
    query = sql.SQL("SELECT name, checksum FROM {} WHERE version = %s").format(VERSION_TABLE)
    row = _run(conn, query, (version,)).fetchone()
    return (row[0], row[1]) if row else None


def _record(conn: Connection, migration: Migration) -> None:
    query = sql.SQL("INSERT INTO {} (version, name, checksum) VALUES (%s, %s, %s)").format(VERSION_TABLE)
    _run(conn, query, (migration.version, migration.name, migration.checksum))


def _execute_script(conn: Connection, script: str | sql.Composable) -> None:
    """Run a multi-statement SQL script (no parameters) inside the connection's transaction."""
    _run(conn, script)


def _run(conn: Connection, query: str | sql.Composable, params: tuple | None = None) -> psycopg.Cursor:
    """Execute on the psycopg connection under ``conn`` (inside its transaction)."""
    return conn.connection.driver_connection.execute(query, params)


@dataclass(frozen=True)
class MigrationStatus:
    """How a database compares with ``sql/``: files not applied yet, and applied files changed since."""

    pending: list[str]
    changed: list[str]

    @property
    def current(self) -> bool:
        return not self.pending and not self.changed


def migration_status(engine: Engine, sql_dir: Path | None = None) -> MigrationStatus:
    """Compare the recorded migrations with the files, without applying or locking anything."""
    migrations = load_migrations(sql_dir or default_sql_dir())
    with engine.connect() as conn:
        if not _version_table_exists(conn):
            return MigrationStatus(pending=[m.name for m in migrations], changed=[])
        query = sql.SQL("SELECT version, checksum FROM {}").format(VERSION_TABLE)
        recorded = dict(_run(conn, query).fetchall())
    return MigrationStatus(
        pending=[m.name for m in migrations if m.version not in recorded],
        changed=[m.name for m in migrations if m.version in recorded and recorded[m.version] != m.checksum],
    )
