"""Settings: every environment variable of toggl-warehouse (and `.env`) is read and validated here, once.

Nothing else in the package reads `os.environ` for configuration; `definitions.py` and `cli.py`
turn a `Settings` into Dagster resources. Secrets are kept out of `repr()` and out of every error
message: a shared report is always named by its `report_key`, never by its token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.track.toggl.com"
DEFAULT_START_DATE = date(2025, 1, 1)
REPORT_KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
PROFITABILITY_FORMATS = ("csv", "xlsx")
PROFITABILITY_RESOLUTIONS = ("day", "week", "month")
TOTALS_GATE_MODES = ("error", "warn")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class SharedReport:
    """A saved shared report to ingest: `key` names it everywhere, `token` is secret."""

    key: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class ProfitabilityOptions:
    """Body parameters of the profitability projects export (besides dates)."""

    file_format: str = "csv"
    resolution: str = "day"
    billable: bool | None = None
    client_ids: tuple[int | None, ...] | None = None
    project_ids: tuple[int, ...] | None = None
    rounding: int | None = None
    rounding_minutes: int | None = None


@dataclass(frozen=True)
class Settings:
    """Everything toggl-warehouse is configured with. Build it with `Settings.from_env()`."""

    api_url: str = DEFAULT_API_URL
    api_token: str | None = field(default=None, repr=False)
    email: str | None = None
    password: str | None = field(default=None, repr=False)
    workspace_ids: tuple[int, ...] = ()
    shared_reports: tuple[SharedReport, ...] = ()
    currency: str = "usd"
    start_date: date = DEFAULT_START_DATE
    timezone: str = "UTC"
    database_url: str | None = field(default=None, repr=False)
    trailing_days: int = 7
    page_size: int = 1000
    min_request_interval: float = 1.0
    max_quota_wait_seconds: int = 3600
    max_attempts: int = 6
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 120.0
    resume_max_age_hours: float = 24.0
    totals_gate: str = "error"
    schedule_cron: str = "30 2 * * *"
    profitability: ProfitabilityOptions = ProfitabilityOptions()
    reconcile_report: str | None = None
    raw_keep_days: int = 30

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
        return cls(
            api_url=get.text("TOGGL_API_URL", DEFAULT_API_URL).rstrip("/"),
            api_token=get.optional("TOGGL_API_TOKEN"),
            email=get.optional("TOGGL_EMAIL"),
            password=get.optional("TOGGL_PASSWORD"),
            workspace_ids=get.int_list("TOGGL_WORKSPACE_IDS"),
            shared_reports=get.shared_reports("TOGGL_SHARED_REPORTS"),
            currency=get.text("TOGGL_CURRENCY", "usd").lower(),
            start_date=get.date("TOGGL_START_DATE", DEFAULT_START_DATE),
            timezone=get.timezone("TOGGL_TIMEZONE", "UTC"),
            database_url=get.optional("DATABASE_URL"),
            trailing_days=get.integer("TOGGL_TRAILING_DAYS", 7, minimum=0),
            page_size=get.integer("TOGGL_PAGE_SIZE", 1000, minimum=1),
            min_request_interval=get.number("TOGGL_MIN_REQUEST_INTERVAL", 1.0),
            max_quota_wait_seconds=get.integer("TOGGL_MAX_QUOTA_WAIT_SECONDS", 3600, minimum=0),
            max_attempts=get.integer("TOGGL_MAX_ATTEMPTS", 6, minimum=1),
            connect_timeout_seconds=get.number("TOGGL_CONNECT_TIMEOUT_SECONDS", 10.0),
            read_timeout_seconds=get.number("TOGGL_READ_TIMEOUT_SECONDS", 120.0),
            resume_max_age_hours=get.number("TOGGL_RESUME_MAX_AGE_HOURS", 24.0),
            totals_gate=get.choice("TOGGL_TOTALS_GATE", "error", TOTALS_GATE_MODES),
            schedule_cron=get.text("TOGGL_SCHEDULE_CRON", "30 2 * * *"),
            profitability=ProfitabilityOptions(
                file_format=get.choice("TOGGL_PROFITABILITY_FORMAT", "csv", PROFITABILITY_FORMATS),
                resolution=get.choice("TOGGL_PROFITABILITY_RESOLUTION", "day", PROFITABILITY_RESOLUTIONS),
                billable=get.boolean("TOGGL_PROFITABILITY_BILLABLE"),
                client_ids=get.client_ids("TOGGL_PROFITABILITY_CLIENT_IDS"),
                project_ids=get.int_list("TOGGL_PROFITABILITY_PROJECT_IDS") or None,
                rounding=get.optional_integer("TOGGL_PROFITABILITY_ROUNDING"),
                rounding_minutes=get.optional_integer("TOGGL_PROFITABILITY_ROUNDING_MINUTES"),
            ),
            reconcile_report=get.reconcile_report("TOGGL_RECONCILE_REPORT", "TOGGL_SHARED_REPORTS"),
            raw_keep_days=get.integer("TOGGL_RAW_KEEP_DAYS", 30, minimum=1),
        )

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


class _Reader:
    """Typed access to the raw mapping, with errors that name the variable (never its secret value)."""

    def __init__(self, values: Mapping[str, str]):
        self._values = values

    def optional(self, name: str) -> str | None:
        value = self._values.get(name)
        return value.strip() if value and value.strip() else None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def integer(self, name: str, default: int, minimum: int | None = None) -> int:
        value = self.optional_integer(name)
        if value is None:
            return default
        if minimum is not None and value < minimum:
            raise SettingsError(f"{name} must be at least {minimum}, got {value}")
        return value

    def optional_integer(self, name: str) -> int | None:
        raw = self.optional(name)
        if raw is None:
            return None
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

    def boolean(self, name: str) -> bool | None:
        raw = self.optional(name)
        if raw is None:
            return None
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

    def int_list(self, name: str) -> tuple[int, ...]:
        raw = self.optional(name)
        if raw is None:
            return ()
        items = [item.strip() for item in raw.split(",") if item.strip()]
        try:
            return tuple(int(item) for item in items)
        except ValueError:
            raise SettingsError(f"{name} must be comma-separated whole numbers, got {raw!r}") from None

    def client_ids(self, name: str) -> tuple[int | None, ...] | None:
        """Client ids where the word `null` stands for "projects without client"."""
        raw = self.optional(name)
        if raw is None:
            return None
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

    def reconcile_report(self, name: str, reports_name: str) -> str | None:
        """A report name that must be one of the configured shared reports."""
        key = self.optional(name)
        if key is None:
            return None
        known = [report.key for report in self.shared_reports(reports_name)]
        if key not in known:
            raise SettingsError(f"{name} names {key!r}, which is not in {reports_name} ({', '.join(known) or 'none configured'})")
        return key

    def shared_reports(self, name: str) -> tuple[SharedReport, ...]:
        raw = self.optional(name)
        if raw is None:
            return ()
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
