"""The emulator's generated Toggl organization: models, deterministic generation, canonical money, query helpers.

Everything is derived from ``random.Random(seed)``, so the same seed and dates give the same data.
Canonical money (every emulated endpoint agrees to the cent):
  entry amount      = round_half_up(seconds * hourly_rate_in_cents / 3600) if billable else 0
  entry labour cost = round_half_up(seconds * user's labour_rate_in_cents / 3600)
Entries without project use the workspace default rate and currency (USD). Labour rates are in the
workspace default currency (USD).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
PALETTE = ["#06aaf5", "#c56bff", "#ea468d", "#fb8b14", "#c7741c", "#4dc3ff", "#bc2d07",
           "#04bb9b", "#e19a86", "#205500", "#525266", "#2da608"]
DESCRIPTIONS = [
    "Sprint planning", 'Review "Q3" numbers, draft v2', "Café meeting — naïve approach",
    "Fix bug #123\nfollow-up with QA", "Unterlagen prüfen", "日本語のドキュメントを翻訳",
    "", "Call with Smith, Jones & \"Partners\"", "Deploy 🚀 to production", "Code review",
    "Écrire le rapport; relire", "Workshop: ÆØÅ edge-cases", "E-mails", "Pairing session",
]


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
    """A time entry. ``start``/``stop`` are aware datetimes in the workspace timezone; stop None = running."""

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


@dataclass
class Workspace:
    """One workspace: its dimensions and time entries, with query and mutation helpers."""

    id: int
    name: str
    organization_id: int
    plan: str
    timezone: str
    now: datetime
    default_rate_in_cents: int = 9999
    default_currency: str = "USD"
    admin_ids: frozenset[int] = frozenset()
    users: list[User] = field(default_factory=list)
    user_groups: list[UserGroup] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    _entries: dict[int, TimeEntry] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _edits: int = 0

    @property
    def premium(self) -> bool:
        return self.plan != "free"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # ---- lookups -------------------------------------------------------------------------
    def user(self, user_id: int) -> User:
        return next(u for u in self.users if u.id == user_id)

    def project(self, project_id: int | None) -> Project | None:
        return next((p for p in self.projects if p.id == project_id), None)

    def client(self, client_id: int | None) -> Client | None:
        return next((c for c in self.clients if c.id == client_id), None)

    def task(self, task_id: int | None) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def tag(self, tag_id: int) -> Tag:
        return next(t for t in self.tags if t.id == tag_id)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id in self.admin_ids

    # ---- canonical money -----------------------------------------------------------------
    def rate_of(self, entry: TimeEntry) -> tuple[int, str]:
        """(hourly_rate_in_cents, currency) applying to an entry."""
        project = self.project(entry.project_id)
        if project is None:
            return self.default_rate_in_cents, self.default_currency
        return project.hourly_rate_in_cents, project.currency

    def amount_of(self, entry: TimeEntry) -> int:
        return money_for(entry.seconds, self.rate_of(entry)[0]) if entry.billable else 0

    def labour_cost_of(self, entry: TimeEntry) -> int:
        return money_for(entry.seconds, self.user(entry.user_id).labour_rate_in_cents)

    # ---- queries -------------------------------------------------------------------------
    def entries(self) -> list[TimeEntry]:
        """All entries ordered by start instant, then id."""
        with self._lock:
            entries = list(self._entries.values())
        return sorted(entries, key=lambda e: (e.start, e.id))

    def entry(self, entry_id: int) -> TimeEntry:
        with self._lock:
            return self._entries[entry_id]

    def entries_between(self, start_date: date, end_date: date) -> list[TimeEntry]:
        """Entries whose local start date is in [start_date, end_date], ordered by start, then id."""
        return [e for e in self.entries() if start_date <= e.date <= end_date]

    def running_entry(self) -> TimeEntry | None:
        return next((e for e in self.entries() if e.stop is None), None)

    # ---- mutations (each bumps `at`) -----------------------------------------------------
    def _touch(self) -> datetime:
        self._edits += 1
        return self.now.astimezone(UTC) + timedelta(seconds=self._edits)

    def add_entry(self, user_id: int, start: datetime, seconds: int, **fields) -> TimeEntry:
        with self._lock:
            entry_id = max(self._entries, default=0) + 1
            local = start.astimezone(self.tz)
            entry = TimeEntry(id=entry_id, user_id=user_id, project_id=fields.get("project_id"),
                              task_id=fields.get("task_id"), description=fields.get("description", ""),
                              billable=fields.get("billable", False),
                              tag_ids=tuple(fields.get("tag_ids", ())), start=local,
                              stop=self._stop_for(local, seconds), seconds=seconds, at=self._touch())
            self._entries[entry_id] = entry
            return entry

    def delete_entry(self, entry_id: int) -> None:
        with self._lock:
            del self._entries[entry_id]
            self._touch()

    def move_entry(self, entry_id: int, new_start: datetime) -> TimeEntry:
        with self._lock:
            old = self._entries[entry_id]
            start = new_start.astimezone(self.tz)
            seconds = self._elapsed(start) if old.stop is None else old.seconds
            stop = None if old.stop is None else self._stop_for(start, seconds)
            return self._store(replace(old, start=start, stop=stop, seconds=seconds))

    def update_entry(self, entry_id: int, **fields) -> TimeEntry:
        """Change fields (description, project_id, task_id, billable, tag_ids, user_id, seconds)."""
        with self._lock:
            old = self._entries[entry_id]
            if "tag_ids" in fields:
                fields["tag_ids"] = tuple(fields["tag_ids"])
            if "seconds" in fields and old.stop is not None:
                fields["stop"] = self._stop_for(old.start, fields["seconds"])
            return self._store(replace(old, **fields))

    def _store(self, entry: TimeEntry) -> TimeEntry:
        entry = replace(entry, at=self._touch())
        self._entries[entry.id] = entry
        return entry

    def _stop_for(self, start: datetime, seconds: int) -> datetime:
        return (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(self.tz)

    def _elapsed(self, start: datetime) -> int:
        return int((self.now - start).total_seconds())


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


# ==== generation ==========================================================================

USER_SPECS = [  # name, email local part, labour rate (cents/hour); first = owner/admin
    ("Zoë Müller", "zoe.mueller", 4250),
    ("José Álvarez-Núñez", "jose.alvarez", 3875),
    ("Åsa Lindqvist", "asa.lindqvist", 3990),
    ("Łukasz Wróbel", "lukasz.wrobel", 3333),
    ("Chloé O'Brien", "chloe.obrien", 4125),
    ("Nguyễn Thị Minh", "minh.nguyen", 3650),
]
CLIENT_NAMES = ["Acme GmbH", 'Smith, Jones & "Partners"', "Café Noir S.à r.l.",
                "東京トレーディング株式会社", "Müller & Söhne AG"]
PROJECT_SPECS = [  # name, client index or None, billable, active, rate in cents, currency, tasks
    ("Website Relaunch", 0, True, True, 8750, "USD", ["Design", "Frontend", "QA"]),
    ("Data Pipeline, Phase 2", 1, True, True, 12345, "USD", ["Ingestion", "Modelling"]),
    ("Mobile App\nBeta", 2, True, True, 9950, "EUR", ["iOS", "Android"]),
    ("Internal Tooling", None, False, True, 6025, "EUR", []),
    ("Support Retainer", 3, True, True, 7333, "EUR", ["Tickets"]),
    ("Research & Development", None, False, True, 5555, "USD", []),
    ('Überprüfung "Audit" 2025', 0, True, True, 15075, "EUR", []),
    ("Legacy Migration", 1, True, False, 11111, "USD", ["Analysis"]),
    ("Brand Strategy", 4, True, True, 10499, "USD", []),
]
TAG_NAMES = ["café", "Überstunden", "naïve", "réunion", "日本", "urgent 🔥", "remote"]
GROUP_SPECS = [("Développeurs", (0, 1, 2)), ("Beratung & Support", (3, 4, 5))]


def _hex_token(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


class _Ids:
    """Unique, deterministic, non-sequential-looking ids."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[int] = set()

    def new(self, low: int, high: int) -> int:
        while True:
            value = self.rng.randint(low, high)
            if value not in self.used:
                self.used.add(value)
                return value


def generate_organization(seed: int, start: date, end: date, tz_name: str, now: datetime) -> Organization:
    """Build the organization: workspace A (premium, all the data) and workspace B (free plan)."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    org_id = ids.new(8_000_000, 8_999_999)
    users = [User(ids.new(9_000_000, 9_999_999), name, f"{local}@example.com",
                  f"pw-{local}-{seed}", _hex_token(rng), rate) for name, local, rate in USER_SPECS]
    ws_a = _workspace_a(rng, ids, org_id, users, tz_name, now)
    ws_b = Workspace(id=ids.new(5_000_000, 5_999_999), name="Freelance Sandbox", organization_id=org_id,
                     plan="free", timezone=tz_name, now=now, admin_ids=frozenset({users[0].id}),
                     users=[users[0]])
    _generate_entries(rng, ws_a, start, end)
    return Organization(org_id, "Müller Consulting Group", users, [ws_a, ws_b])


def _workspace_a(rng: random.Random, ids: _Ids, org_id: int, users: list[User], tz_name: str,
                 now: datetime) -> Workspace:
    clients = [Client(ids.new(60_000_000, 69_999_999), name) for name in CLIENT_NAMES]
    projects, tasks = [], []
    for i, (name, client, billable, active, rate, currency, task_names) in enumerate(PROJECT_SPECS):
        project = Project(ids.new(180_000_000, 189_999_999), name,
                          clients[client].id if client is not None else None,
                          PALETTE[i % len(PALETTE)], billable, active, rate, currency)
        projects.append(project)
        tasks += [Task(ids.new(90_000_000, 99_999_999), t, project.id) for t in task_names]
    tags = [Tag(ids.new(15_000_000, 15_999_999), name) for name in TAG_NAMES]
    groups = [UserGroup(ids.new(200_000, 299_999), name, tuple(users[i].id for i in members))
              for name, members in GROUP_SPECS]
    return Workspace(id=ids.new(5_000_000, 5_999_999), name="Müller Consulting — Ünïcode Team",
                     organization_id=org_id, plan="premium", timezone=tz_name, now=now,
                     admin_ids=frozenset({users[0].id}), users=list(users), user_groups=groups,
                     clients=clients, projects=projects, tasks=tasks, tags=tags)


class _EntryFactory:
    """Draws plausible entries for one workspace; ids increase with creation order."""

    def __init__(self, rng: random.Random, ws: Workspace, archive_date: date):
        self.rng, self.ws, self.tz = rng, ws, ws.tz
        self.archive_date = archive_date
        self.next_id = rng.randint(3_000_000_000, 3_100_000_000)
        self.active_projects = [p for p in ws.projects if p.active]

    def make(self, user: User, start: datetime, seconds: int, running: bool = False) -> TimeEntry:
        rng = self.rng
        project = None if rng.random() < 0.15 else rng.choice(self._projects_for(start))
        tasks = [t for t in self.ws.tasks if project and t.project_id == project.id]
        task = rng.choice(tasks) if tasks and rng.random() < 0.6 else None
        billable = (rng.random() < 0.85) if project is not None and project.billable else (
            project is None and rng.random() < 0.25)
        tag_ids = tuple(sorted(t.id for t in rng.sample(self.ws.tags, rng.choice([0, 0, 1, 1, 2, 3]))))
        start = start.astimezone(UTC).astimezone(self.tz)  # normalise DST gaps
        stop = None if running else self.ws._stop_for(start, seconds)
        at = self.ws.now if running else min(stop + timedelta(seconds=rng.randint(0, 90_000)), self.ws.now)
        self.next_id += rng.randint(1, 7)
        return TimeEntry(self.next_id, user.id, project.id if project else None, task.id if task else None,
                         rng.choice(DESCRIPTIONS), billable, tag_ids, start, stop, seconds,
                         at.astimezone(UTC))

    def resume(self, previous: TimeEntry, start: datetime, seconds: int) -> TimeEntry:
        """Toggl's "continue": a new entry with the previous one's project, task, description and tags."""
        start = start.astimezone(UTC).astimezone(self.tz)
        stop = self.ws._stop_for(start, seconds)
        at = min(stop + timedelta(seconds=self.rng.randint(0, 90_000)), self.ws.now)
        self.next_id += self.rng.randint(1, 7)
        return replace(previous, id=self.next_id, start=start, stop=stop, seconds=seconds, at=at.astimezone(UTC))

    def _projects_for(self, start: datetime) -> list[Project]:
        # the archived project only has time in the first weeks of history
        return self.ws.projects if start.date() < self.archive_date else self.active_projects


def _generate_entries(rng: random.Random, ws: Workspace, start: date, end: date) -> None:
    factory = _EntryFactory(rng, ws, archive_date=start + timedelta(days=45))
    running_start = ws.now - timedelta(seconds=rng.randint(600, 7_000))
    entries: list[TimeEntry] = []
    day = start
    while day <= end:
        todays = [e for user in ws.users for e in _day_entries(rng, factory, user, day)]
        entries += todays or [_quiet_day_entry(rng, factory, ws.users, day)]
        entries += _dst_entry(factory, ws.users[0], day)
        day += timedelta(days=1)
    entries = [e for e in entries if e.stop <= running_start]  # the running timer is the last entry
    running = factory.make(ws.users[0], running_start, int((ws.now - running_start).total_seconds()),
                           running=True)
    for entry in entries + [running]:
        ws._entries[entry.id] = entry


def _day_entries(rng: random.Random, factory: _EntryFactory, user: User, day: date) -> list[TimeEntry]:
    weekend = day.weekday() >= 5
    count = rng.choice([0, 0, 0, 1]) if weekend else rng.choice([0, 1, 2, 3, 3, 4, 4, 5])
    cursor = datetime.combine(day, time(7, 30), factory.tz) + timedelta(seconds=rng.randint(0, 7_200))
    out = []
    for _ in range(count):
        seconds = 0 if rng.random() < 0.03 else rng.randint(300, 3 * 3600)
        resumed = out and out[-1].stop is not None and rng.random() < 0.35
        out.append(factory.resume(out[-1], cursor, seconds) if resumed else factory.make(user, cursor, seconds))
        cursor += timedelta(seconds=seconds + rng.randint(0, 1_800))
        if cursor.time() > time(21, 0):
            break
    if not weekend and len(out) < 5 and rng.random() < 0.04:  # late work crossing local midnight
        late = datetime.combine(day, time(23, 0), factory.tz) + timedelta(seconds=rng.randint(0, 3_000))
        out.append(factory.make(user, late, rng.randint(1_800, 9_000)))
    return out


def _quiet_day_entry(rng: random.Random, factory: _EntryFactory, users: list[User], day: date) -> TimeEntry:
    """Somebody always tracks something, so every day of the range has time."""
    start = datetime.combine(day, time(10), factory.tz) + timedelta(seconds=rng.randint(0, 3_600))
    return factory.make(rng.choice(users), start, rng.randint(600, 5_400))


def _dst_entry(factory: _EntryFactory, user: User, day: date) -> list[TimeEntry]:
    """On the eve of a DST change, one entry from 23:30 to 04:00 local, spanning the change."""
    tz = factory.tz
    before = datetime.combine(day, time(12), tz).utcoffset()
    after = datetime.combine(day + timedelta(days=1), time(12), tz).utcoffset()
    if before == after:
        return []
    start = datetime.combine(day, time(23, 30), tz)
    stop = datetime.combine(day + timedelta(days=1), time(4, 0), tz)
    seconds = int((stop.astimezone(UTC) - start.astimezone(UTC)).total_seconds())
    return [factory.make(user, start, seconds)]
