"""Find or start the warehouse Postgres and build SQLAlchemy engines (psycopg 3) for it.

Resolution order (``resolve_database_url``):

1. an explicit URL (``DATABASE_URL``, passed in by the caller) is used as given;
2. otherwise a server answering on ``127.0.0.1:5432`` as user ``postgres`` (trust, ``PGPASSWORD`` or
   ``~/.pgpass``) is used, and a database ``toggl_warehouse`` is created on it if missing;
3. otherwise an embedded PostgreSQL is started with ``pgserver`` in ``<project root>/.data/postgres``
   (``TOGGL_WAREHOUSE_DATA_DIR`` names another data directory); it listens on a unix socket only and
   lives as long as this process (``stop_embedded_servers`` stops it earlier).
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

WAREHOUSE_DATABASE = "toggl_warehouse"
DATA_DIR_ENV = "TOGGL_WAREHOUSE_DATA_DIR"
LOCAL_HOST, LOCAL_PORT, LOCAL_USER, MAINTENANCE_DB = "127.0.0.1", 5432, "postgres", "postgres"
PROBE_TIMEOUT_SECONDS = 2

_DRIVER_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg")
_embedded_servers: dict[Path, object] = {}  # data dir -> pgserver.PostgresServer, alive for the process
_embedded_lock = threading.Lock()


@dataclass(frozen=True)
class ResolvedDatabase:
    """A database URL (libpq style, ``postgresql://``) and where it came from."""

    url: str
    origin: str  # "DATABASE_URL" | "local" | "embedded"


def resolve_database_url(
    explicit: str | None,
    *,
    probe_local: bool = True,
    data_dir: Path | None = None,
    database: str = WAREHOUSE_DATABASE,
) -> ResolvedDatabase:
    """Return the warehouse database: the explicit URL, else a local server, else an embedded one.

    For the local and embedded servers the database ``database`` is created when missing.
    """
    if explicit:
        return ResolvedDatabase(explicit, "DATABASE_URL")
    server = find_server(probe_local=probe_local, data_dir=data_dir)
    url = ensure_database(server.url, database)
    log.info("Using %s Postgres: %s", server.origin, redact_url(url))
    return ResolvedDatabase(url, server.origin)


def find_server(*, probe_local: bool = True, data_dir: Path | None = None) -> ResolvedDatabase:
    """Return a URL of the maintenance database of a local server, or of a started embedded one."""
    if probe_local:
        local = local_server_url()
        if local is not None:
            return ResolvedDatabase(local, "local")
    return ResolvedDatabase(start_embedded_server(data_dir), "embedded")


def local_server_url() -> str | None:
    """The maintenance-database URL of a server on 127.0.0.1:5432, or None when none answers."""
    url = URL.create(
        "postgresql", username=LOCAL_USER, host=LOCAL_HOST, port=LOCAL_PORT, database=MAINTENANCE_DB
    ).render_as_string(hide_password=False)
    try:
        with psycopg.connect(url, connect_timeout=PROBE_TIMEOUT_SECONDS):
            return url
    except psycopg.OperationalError as exc:  # refused, timed out, or a server that wants a password
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.info("No usable Postgres on %s:%s as %s (%s)", LOCAL_HOST, LOCAL_PORT, LOCAL_USER, reason)
        return None


def default_data_dir() -> Path:
    """``TOGGL_WAREHOUSE_DATA_DIR``, else ``<project root or cwd>/.data/postgres``."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return project_root() / ".data" / "postgres"


def project_root() -> Path:
    """The source checkout this package runs from (it holds pyproject.toml), else the working directory."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


def start_embedded_server(data_dir: Path | None = None) -> str:
    """Start (once per process and data dir) a pgserver PostgreSQL; return its maintenance URL."""
    with warnings.catch_warnings():  # platformdirs warns about an unset XDG_RUNTIME_DIR; harmless here
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver  # imported lazily: only needed when no other server is available

    pgdata = (data_dir or default_data_dir()).expanduser().resolve()
    with _embedded_lock:
        server = _embedded_servers.get(pgdata)
        if server is None:
            # pgserver needs the parent to exist; as root it runs postgres as OS user "pgserver" and
            # widens the parents' permissions (g+rx, o+rx) itself so that user can reach the data dir.
            pgdata.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            log.info("Starting embedded PostgreSQL in %s", pgdata)
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
            _embedded_servers[pgdata] = server
    info = server.get_postmaster_info()
    return URL.create(
        "postgresql", username="postgres", database=MAINTENANCE_DB, query={"host": str(info.socket_dir)}
    ).render_as_string(hide_password=False)


def stop_embedded_servers(data_dir: Path | None = None) -> None:
    """Stop the embedded server of ``data_dir`` (default: all) this process started.

    They are stopped at interpreter exit anyway, once no other process uses them.
    """
    with _embedded_lock:
        wanted = [data_dir.expanduser().resolve()] if data_dir else list(_embedded_servers)
        for pgdata in wanted:
            server = _embedded_servers.pop(pgdata, None)
            if server is not None:
                server.cleanup()


def ensure_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url`` if missing; return its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                log.info("Created database %s", name)
            except psycopg.errors.DuplicateDatabase:
                pass  # a concurrent process created it first
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` (disconnecting its sessions) on the server of ``server_url``."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def sqlalchemy_url(url: str) -> str:
    """Normalise a Postgres URL to the psycopg 3 driver: ``postgresql+psycopg://...``."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _DRIVER_SCHEMES:
        raise ValueError(f"not a PostgreSQL URL (scheme {scheme.lower()!r}): {redact_url(url)}")
    return f"postgresql+psycopg://{rest}"


def create_engine_for(url: str, **kwargs: object) -> Engine:
    """A SQLAlchemy engine on psycopg 3 for ``url`` (pool_pre_ping on)."""
    return create_engine(sqlalchemy_url(url), pool_pre_ping=True, **kwargs)


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for logs and messages)."""
    try:
        parsed = make_url(url)
    except Exception:  # not a URL: never echo it
        return "<unparseable database URL>"
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True).replace("password=%2A%2A%2A", "password=***")
