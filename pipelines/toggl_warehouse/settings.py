"""Settings: every environment variable of toggl-warehouse (and `.env`) is read and validated here, once.

Nothing else in the package reads `os.environ` for configuration; `definitions.py` and `cli.py`
turn a `Settings` into Dagster resources. Secrets are kept out of `repr()` and out of every error
message: a shared report is always named by its `report_key`, never by its token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

REPORT_KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
PROFITABILITY_FORMATS = ("csv", "xlsx")
PROFITABILITY_RESOLUTIONS = ("day", "week", "month")
TOTALS_GATE_MODES = ("error", "warn")


DATA_DIR_ENV = "TOGGL_WAREHOUSE_DATA_DIR"
DB_PORT_ENV = "TOGGL_WAREHOUSE_DB_PORT"
SQL_DIR_ENV = "TOGGL_WAREHOUSE_SQL_DIR"


@dataclass(frozen=True)
class LocalSetup:
    """This machine's own variables, not a code location's configuration: where the embedded Postgres keeps its
    data and listens, and where the migrations are. Read as given; `warehouse/` validates and applies them."""

    data_dir: str = ""
    """TOGGL_WAREHOUSE_DATA_DIR, '' when unset."""
    db_port: str = ""
    """TOGGL_WAREHOUSE_DB_PORT as written, '' when unset."""
    sql_dir: str = ""
    """TOGGL_WAREHOUSE_SQL_DIR, '' when unset."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LocalSetup:
        """The variables of `environ` (default: the process environment, read at each call)."""
        values = os.environ if environ is None else environ
        return cls(values.get(DATA_DIR_ENV, ""), values.get(DB_PORT_ENV, "").strip(), values.get(SQL_DIR_ENV, ""))


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class SharedReport:
    """A saved shared report to ingest: `key` names it everywhere, `token` is secret."""

    key: str
    token: str = field(repr=False)


def setting(env: str, default: Any, doc: str, read: str = "text", *, secret: bool = False, **options: Any) -> Any:
    """One setting: its default, the environment variable it is read from, what it means, and how its text is
    read (`read`: a `_Reader` method, given `options`). A secret is kept out of `repr()`."""
    return field(default=default, repr=not secret, metadata={"env": env, "doc": doc, "read": read, "options": options})


def env_name(cls: type, name: str) -> str:
    """The environment variable of setting `name` of `cls` (Settings or ProfitabilityOptions)."""
    return cls.__dataclass_fields__[name].metadata["env"]


def doc(cls: type, name: str) -> str:
    """What setting `name` means, with its environment variable: `Rows per page ... (TOGGL_PAGE_SIZE).`"""
    meta = cls.__dataclass_fields__[name].metadata
    return f"{meta['doc']} ({meta['env']})."


def default(cls: type, name: str) -> Any:
    """The default of setting `name` of `cls`."""
    return cls.__dataclass_fields__[name].default


def _read_settings(cls: type, get: _Reader) -> dict[str, Any]:
    """Every declared setting of `cls` read from `get`'s mapping."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        if "env" in f.metadata:
            values[f.name] = getattr(get, f.metadata["read"])(f.metadata["env"], f.default, **f.metadata["options"])
    return values


@dataclass(frozen=True)
class ProfitabilityOptions:
    """Body parameters of the profitability projects export (besides dates)."""

    file_format: str = setting("TOGGL_PROFITABILITY_FORMAT", "csv", "File format of the export", "choice",
                               choices=PROFITABILITY_FORMATS)
    resolution: str = setting("TOGGL_PROFITABILITY_RESOLUTION", "day", "Period of the export's rows", "choice",
                              choices=PROFITABILITY_RESOLUTIONS)
    billable: bool | None = setting("TOGGL_PROFITABILITY_BILLABLE", None, "Only billable (true) or non-billable (false) time", "boolean")
    client_ids: tuple[int | None, ...] | None = setting(
        "TOGGL_PROFITABILITY_CLIENT_IDS", None, "Only these clients (null: projects without client)", "client_ids")
    project_ids: tuple[int, ...] | None = setting(
        "TOGGL_PROFITABILITY_PROJECT_IDS", None, "Only these projects", "int_list")
    rounding: int | None = setting("TOGGL_PROFITABILITY_ROUNDING", None, "Toggl's rounding mode of durations", "optional_integer")
    rounding_minutes: int | None = setting(
        "TOGGL_PROFITABILITY_ROUNDING_MINUTES", None, "Toggl's rounding of durations, in minutes", "optional_integer")


@dataclass(frozen=True)
class Settings:
    """Everything toggl-warehouse is configured with, one declaration per setting (default, variable, meaning).
    Build it with `Settings.from_env()`; `default`, `env_name` and `doc` read a declaration."""

    api_url: str = setting("TOGGL_API_URL", "https://api.track.toggl.com", "Base URL of the Toggl API", "url")
    api_token: str | None = setting("TOGGL_API_TOKEN", None, "API token; secret", "optional", secret=True)
    email: str | None = setting("TOGGL_EMAIL", None, "Login email for basic auth", "optional")
    password: str | None = setting("TOGGL_PASSWORD", None, "Password for basic auth; secret", "optional", secret=True)
    workspace_ids: tuple[int, ...] = setting(
        "TOGGL_WORKSPACE_IDS", (), "Workspaces whose profitability projects export is loaded", "int_list")
    shared_reports: tuple[SharedReport, ...] = setting(
        "TOGGL_SHARED_REPORTS", (), "name=report_token pairs of the saved shared reports; the tokens are secret",
        "shared_reports")
    currency: str = setting("TOGGL_CURRENCY", "usd", "Currency of the profitability export", "lower")
    start_date: date = setting("TOGGL_START_DATE", date(2025, 1, 1), "First day of the daily partitions", "date")
    timezone: str = setting("TOGGL_TIMEZONE", "UTC", "Time zone of the daily partitions and the schedule", "timezone")
    database_url: str | None = setting(
        "DATABASE_URL", None, "postgresql:// URL of the warehouse; secret when it holds a password", "optional", secret=True)
    trailing_days: int = setting(
        "TOGGL_TRAILING_DAYS", 7, "Days before today the daily run fetches again", "integer", minimum=0)
    page_size: int = setting("TOGGL_PAGE_SIZE", 1000, "Rows per page asked of the Reports API", "integer", minimum=1)
    min_request_interval: float = setting(
        "TOGGL_MIN_REQUEST_INTERVAL", 1.0, "Seconds between two requests", "number")
    max_quota_wait_seconds: int = setting(
        "TOGGL_MAX_QUOTA_WAIT_SECONDS", 3600, "Longest wait for the hourly quota to reset", "integer", minimum=0)
    max_attempts: int = setting(
        "TOGGL_MAX_ATTEMPTS", 6, "Attempts per request before giving up", "integer", minimum=1)
    connect_timeout_seconds: float = setting("TOGGL_CONNECT_TIMEOUT_SECONDS", 10.0, "TCP connect timeout", "number")
    read_timeout_seconds: float = setting("TOGGL_READ_TIMEOUT_SECONDS", 120.0, "Read timeout per response", "number")
    resume_max_age_hours: float = setting(
        "TOGGL_RESUME_MAX_AGE_HOURS", 24.0, "A failed fetch younger than this is resumed from its next page; 0 = never",
        "number")
    totals_gate: str = setting(
        "TOGGL_TOTALS_GATE", "error",
        "error: a fetch whose rows do not add up to Toggl's totals is not loaded; warn: load it and warn", "choice",
        choices=TOTALS_GATE_MODES)
    schedule_cron: str = setting("TOGGL_SCHEDULE_CRON", "30 2 * * *", "When the daily run starts (cron)")
    profitability: ProfitabilityOptions = ProfitabilityOptions()
    reconcile_report: str | None = setting(
        "TOGGL_RECONCILE_REPORT", None, "Shared report the profitability export is reconciled with; default the first",
        "reconcile_report", reports="TOGGL_SHARED_REPORTS")
    raw_keep_days: int = setting(
        "TOGGL_RAW_KEEP_DAYS", 30,
        "Days of fetches kept in toggl_raw beyond what replay needs; pruned after each successful daily run",
        "integer", minimum=1)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None) -> Settings:
        """Read settings from `environ` (default: the process environment) over a `.env` file.

        Args:
            environ: variables to read; the process environment when None.
            dotenv_path: `.env` file read underneath `environ`; `./.env` when None and it exists.
        """
        values: dict[str, str] = {}
        env_file = dotenv_path or Path.cwd() / ".env"
        if env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Settings:
        """Validate a mapping of variable name to text into Settings."""
        get = _Reader(values)
        return cls(**_read_settings(cls, get), profitability=ProfitabilityOptions(**_read_settings(ProfitabilityOptions, get)))

    @property
    def has_credentials(self) -> bool:
        """True when an API token or an email/password pair is configured."""
        return bool(self.api_token or (self.email and self.password))

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value, for redaction in logs and messages."""
        values = [self.api_token, self.password, *(r.token for r in self.shared_reports)]
        return tuple(v for v in values if v)

    @property
    def reference_report_key(self) -> str | None:
        """The shared report the profitability export is reconciled with: TOGGL_RECONCILE_REPORT, else the first report."""
        if self.reconcile_report:
            return self.reconcile_report
        return self.shared_reports[0].key if self.shared_reports else None

    def report(self, key: str) -> SharedReport:
        """The configured shared report named `key`."""
        for report in self.shared_reports:
            if report.key == key:
                return report
        raise SettingsError(f"TOGGL_SHARED_REPORTS has no report named {key!r}")


DEFAULTS = Settings()
"""Every setting at its declared default: what code outside the resources uses as its default (page size, waits)."""


class _Reader:
    """Typed access to the raw mapping, with errors that name the variable (never its secret value)."""

    def __init__(self, values: Mapping[str, str]):
        self._values = values

    def optional(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name)
        return value.strip() if value and value.strip() else default

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def url(self, name: str, default: str) -> str:
        return self.text(name, default).rstrip("/")

    def lower(self, name: str, default: str) -> str:
        return self.text(name, default).lower()

    def integer(self, name: str, default: int, minimum: int | None = None) -> int:
        value = self.optional_integer(name)
        if value is None:
            return default
        if minimum is not None and value < minimum:
            raise SettingsError(f"{name} must be at least {minimum}, got {value}")
        return value

    def optional_integer(self, name: str, default: int | None = None) -> int | None:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None

    def number(self, name: str, default: float) -> float:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if value < 0:
            raise SettingsError(f"{name} must not be negative, got {raw!r}")
        return value

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.optional(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(name, default).lower()
        if value not in choices:
            raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def date(self, name: str, default: date) -> date:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a date YYYY-MM-DD, got {raw!r}") from None

    def timezone(self, name: str, default: str) -> str:
        value = self.text(name, default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"{name} must be an IANA timezone such as Europe/Berlin, got {value!r}") from None
        return value

    def int_list(self, name: str, default: tuple[int, ...] | None = ()) -> tuple[int, ...] | None:
        """Comma-separated whole numbers; `default` when unset or empty."""
        raw = self.optional(name)
        if raw is None:
            return default
        items = [item.strip() for item in raw.split(",") if item.strip()]
        try:
            return tuple(int(item) for item in items) or default
        except ValueError:
            raise SettingsError(f"{name} must be comma-separated whole numbers, got {raw!r}") from None

    def client_ids(self, name: str, default: tuple[int | None, ...] | None = None) -> tuple[int | None, ...] | None:
        """Client ids where the word `null` stands for "projects without client"."""
        raw = self.optional(name)
        if raw is None:
            return default
        ids: list[int | None] = []
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            if item.lower() in ("null", "none"):
                ids.append(None)
                continue
            try:
                ids.append(int(item))
            except ValueError:
                raise SettingsError(f"{name} must list whole numbers or null, got {item!r}") from None
        return tuple(ids)

    def reconcile_report(self, name: str, default: str | None, reports: str) -> str | None:
        """A report name that must be one of the shared reports of variable `reports`."""
        key = self.optional(name)
        if key is None:
            return default
        reports_name = reports
        known = [report.key for report in self.shared_reports(reports_name)]
        if key not in known:
            raise SettingsError(f"{name} names {key!r}, which is not in {reports_name} ({', '.join(known) or 'none configured'})")
        return key

    def shared_reports(self, name: str, default: tuple[SharedReport, ...] = ()) -> tuple[SharedReport, ...]:
        raw = self.optional(name)
        if raw is None:
            return default
        reports: list[SharedReport] = []
        for position, item in enumerate((part.strip() for part in raw.split(",")), start=1):
            if not item:
                continue
            key, sep, token = (piece.strip() for piece in item.partition("="))
            if not sep or not token:
                raise SettingsError(f"{name}: entry {position} must be name=report_token")
            if not REPORT_KEY_PATTERN.match(key):
                raise SettingsError(
                    f"{name}: entry {position} has the name {key!r}; use letters, digits, '_' or '-', starting with a letter"
                )
            if any(r.key == key for r in reports):
                raise SettingsError(f"{name}: the name {key!r} is used twice")
            reports.append(SharedReport(key=key, token=token))
        return tuple(reports)
