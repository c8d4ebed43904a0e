"""The emulator's Toggl organization: models, canonical money, the per-day entry store and query helpers.

Time entries are materialized a day at a time, on first use, from the workspace's ``DaySource`` (see
``generation.py``), so a workspace of any size starts at once and a query touches only its own days.
Canonical money (every emulated endpoint agrees to the cent):
  entry amount      = round_half_up(seconds * hourly_rate_in_cents / 3600) if billable else 0
  entry labour cost = round_half_up(seconds * user's labour_rate_in_cents / 3600)
Entries without project use the workspace default rate and currency (USD); with no default rate (the
``swagger`` dialect) they have no rate, and a null amount. Labour rates are in the workspace default
currency (USD). Each user works in their own time zone (the workspace's unless set).
"""

from __future__ import annotations

import threading
from bisect import insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .dialects import ENRICHED, Dialect

UTC = timezone.utc


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def money_for(seconds: int, rate_in_cents: int) -> int:
    return round_half_up(max(seconds, 0) * rate_in_cents, 3600)


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str
    password: str
    api_token: str
    labour_rate_in_cents: int
    timezone: str | None = None  # None: the workspace's


@dataclass(frozen=True)
class UserGroup:
    id: int
    name: str
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class Client:
    id: int
    name: str


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    client_id: int | None
    color: str
    billable: bool
    active: bool
    hourly_rate_in_cents: int
    currency: str
    estimated_seconds: int | None = None


@dataclass(frozen=True)
class Task:
    id: int
    name: str
    project_id: int


@dataclass(frozen=True)
class Tag:
    id: int
    name: str


@dataclass(frozen=True)
class TimeEntry:
    """A time entry. ``start``/``stop`` are aware datetimes in its user's time zone; stop None = running."""

    id: int
    user_id: int
    project_id: int | None
    task_id: int | None
    description: str
    billable: bool
    tag_ids: tuple[int, ...]
    start: datetime
    stop: datetime | None
    seconds: int
    at: datetime

    @property
    def date(self) -> date:
        return self.start.date()

    @property
    def start_str(self) -> str:
        return self.start.isoformat()

    @property
    def stop_str(self) -> str | None:
        return self.stop.isoformat() if self.stop else None


DaySource = Callable[[date], list[TimeEntry]]  # the generated entries whose local start date is that day


class EntryTable(dict):
    """Every materialized entry by id. Writes through ``[]``/``del`` count as changes (``changes``), so any
    edit, even one made straight into the table, invalidates the day index and cached report answers."""

    def __init__(self) -> None:
        super().__init__()
        self.changes = 0

    def __setitem__(self, entry_id: int, entry: TimeEntry) -> None:
        super().__setitem__(entry_id, entry)
        self.changes += 1

    def __delitem__(self, entry_id: int) -> None:
        super().__delitem__(entry_id)
        self.changes += 1

    def add_generated(self, entries: Iterable[TimeEntry]) -> None:
        """Add freshly generated entries: not a change of data the index has seen."""
        dict.update(self, ((e.id, e) for e in entries))


@dataclass
class Workspace:
    """One workspace: its dimensions and time entries, with query and mutation helpers.

    ``span`` is the range of dates ``source`` generates; each day in it is materialized on first use.
    """

    id: int
    name: str
    organization_id: int
    plan: str
    timezone: str
    now: datetime
    default_rate_in_cents: int | None = 9999
    default_currency: str = "USD"
    dialect: Dialect = ENRICHED
    admin_ids: frozenset[int] = frozenset()
    users: list[User] = field(default_factory=list)
    user_groups: list[UserGroup] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    source: DaySource | None = field(default=None, repr=False)
    span: tuple[date, date] | None = None
    _entries: EntryTable = field(default_factory=EntryTable, repr=False)
    _days: dict[date, list[TimeEntry]] = field(default_factory=dict, repr=False)  # sorted by (start, id)
    _materialized: set[date] = field(default_factory=set, repr=False)
    _indexed_changes: int = field(default=0, repr=False)
    _lookups: dict[str, tuple] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _edits: int = 0

    @property
    def premium(self) -> bool:
        return self.plan != "free"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def version(self) -> int:
        """Changes whenever any entry is added, edited or removed (not when a day is first generated)."""
        return self._entries.changes

    # ---- lookups -------------------------------------------------------------------------
    def user(self, user_id: int) -> User:
        return self._lookup("users")[user_id]

    def project(self, project_id: int | None) -> Project | None:
        return self._lookup("projects").get(project_id)

    def client(self, client_id: int | None) -> Client | None:
        return self._lookup("clients").get(client_id)

    def task(self, task_id: int | None) -> Task | None:
        return self._lookup("tasks").get(task_id)

    def tag(self, tag_id: int) -> Tag:
        return self._lookup("tags")[tag_id]

    def zone_of(self, user_id: int) -> ZoneInfo:
        """The time zone a user's entries are in."""
        return ZoneInfo(self.user(user_id).timezone or self.timezone)

    @property
    def several_zones(self) -> bool:
        return any(user.timezone for user in self.users)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id in self.admin_ids

    def _lookup(self, kind: str) -> dict:
        """Objects of one dimension list by id, rebuilt when the list is replaced or changes length."""
        items = getattr(self, kind)
        cached = self._lookups.get(kind)
        if cached is None or cached[0] is not items or cached[1] != len(items):
            cached = self._lookups[kind] = (items, len(items), {item.id: item for item in items})
        return cached[2]

    # ---- canonical money -----------------------------------------------------------------
    def rate_of(self, entry: TimeEntry) -> tuple[int | None, str]:
        """(hourly_rate_in_cents, currency) applying to an entry; the rate None when none applies."""
        project = self.project(entry.project_id)
        if project is None:
            return self.default_rate_in_cents, self.default_currency
        return project.hourly_rate_in_cents, project.currency

    def amount_of(self, entry: TimeEntry) -> int | None:
        """The entry's billable amount; None when no rate applies (unpriced is not free)."""
        rate = self.rate_of(entry)[0]
        if rate is None:
            return None
        return money_for(entry.seconds, rate) if entry.billable else 0

    def labour_cost_of(self, entry: TimeEntry) -> int:
        return money_for(entry.seconds, self.user(entry.user_id).labour_rate_in_cents)

    # ---- queries -------------------------------------------------------------------------
    def entries(self) -> list[TimeEntry]:
        """All entries ordered by start instant, then id."""
        with self._lock:
            self._materialize_all()
            days = sorted(self._index())
            return [e for day in days for e in self._days[day]]

    def entry(self, entry_id: int) -> TimeEntry:
        with self._lock:
            if entry_id not in self._entries:
                self._materialize_all()
            return self._entries[entry_id]

    def entries_between(self, start_date: date, end_date: date) -> list[TimeEntry]:
        """Entries whose local start date is in [start_date, end_date], ordered by start, then id."""
        with self._lock:
            days = self._materialize(start_date, end_date)
            index = self._index()
            return [e for day in days for e in index.get(day, ())]

    def running_entry(self) -> TimeEntry | None:
        return next((e for e in self.entries() if e.stop is None), None)

    # ---- the day store -------------------------------------------------------------------
    def _materialize(self, first: date, last: date) -> list[date]:
        """Generate the days of [first, last] not generated yet; return every day of the range."""
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)] if last >= first else []
        for day in days:
            if day in self._materialized or self.source is None or not (self.span[0] <= day <= self.span[1]):
                continue
            generated = sorted(self.source(day), key=_order)
            self._entries.add_generated(generated)
            self._materialized.add(day)
            if self._indexed_changes == self._entries.changes:  # index current: extend it in place
                for entry in generated:
                    insort(self._days.setdefault(entry.date, []), entry, key=_order)
        return days

    def _materialize_all(self) -> None:
        if self.span is not None:
            self._materialize(*self.span)

    def _index(self) -> dict[date, list[TimeEntry]]:
        """Entries by local start date, each day ordered; rebuilt after any change to the table."""
        if self._indexed_changes != self._entries.changes:
            days: dict[date, list[TimeEntry]] = {}
            for entry in self._entries.values():
                days.setdefault(entry.date, []).append(entry)
            self._days = {day: sorted(entries, key=_order) for day, entries in days.items()}
            self._indexed_changes = self._entries.changes
        return self._days

    # ---- mutations (each bumps `at`) -----------------------------------------------------
    def _touch(self) -> datetime:
        self._edits += 1
        return self.now.astimezone(UTC) + timedelta(seconds=self._edits)

    def add_entry(self, user_id: int, start: datetime, seconds: int, **fields) -> TimeEntry:
        with self._lock:
            self._materialize_all()
            entry_id = max(self._entries, default=0) + 1
            local = start.astimezone(self.zone_of(user_id))
            entry = TimeEntry(id=entry_id, user_id=user_id, project_id=fields.get("project_id"),
                              task_id=fields.get("task_id"), description=fields.get("description", ""),
                              billable=fields.get("billable", False),
                              tag_ids=tuple(fields.get("tag_ids", ())), start=local,
                              stop=stop_for(local, seconds, local.tzinfo), seconds=seconds, at=self._touch())
            self._entries[entry_id] = entry
            return entry

    def delete_entry(self, entry_id: int) -> None:
        with self._lock:
            self.entry(entry_id)
            del self._entries[entry_id]
            self._touch()

    def move_entry(self, entry_id: int, new_start: datetime) -> TimeEntry:
        with self._lock:
            old = self.entry(entry_id)
            start = new_start.astimezone(self.zone_of(old.user_id))
            self._materialize(start.date(), start.date())  # the new day exists before the entry joins it
            seconds = self._elapsed(start) if old.stop is None else old.seconds
            stop = None if old.stop is None else stop_for(start, seconds, start.tzinfo)
            return self._store(replace(old, start=start, stop=stop, seconds=seconds))

    def update_entry(self, entry_id: int, **fields) -> TimeEntry:
        """Change fields (description, project_id, task_id, billable, tag_ids, user_id, seconds)."""
        with self._lock:
            old = self.entry(entry_id)
            if "tag_ids" in fields:
                fields["tag_ids"] = tuple(fields["tag_ids"])
            if "seconds" in fields and old.stop is not None:
                fields["stop"] = stop_for(old.start, fields["seconds"], old.start.tzinfo)
            return self._store(replace(old, **fields))

    def _store(self, entry: TimeEntry) -> TimeEntry:
        entry = replace(entry, at=self._touch())
        self._entries[entry.id] = entry
        return entry

    def _elapsed(self, start: datetime) -> int:
        return int((self.now - start).total_seconds())


def stop_for(start: datetime, seconds: int, tz: ZoneInfo) -> datetime:
    """The local stop of an entry: ``seconds`` of elapsed (UTC) time after ``start``."""
    return (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(tz)


def _order(entry: TimeEntry) -> tuple[datetime, int]:
    return entry.start, entry.id


@dataclass
class Organization:
    id: int
    name: str
    users: list[User]
    workspaces: list[Workspace]

    def authenticate(self, username: str, password: str) -> User | None:
        """Basic auth: ``api_token:api_token`` or ``email:password``."""
        for user in self.users:
            if password == "api_token" and username == user.api_token:
                return user
            if username.lower() == user.email.lower() and password == user.password:
                return user
        return None

    def workspace(self, workspace_id: int) -> Workspace | None:
        return next((w for w in self.workspaces if w.id == workspace_id), None)
