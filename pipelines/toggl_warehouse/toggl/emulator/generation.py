"""Deterministic generation of the emulator's organization: users, dimensions and, day by day, time entries.

The same seed, dates and number of users give the same data. Users and dimensions come from
``random.Random(seed)``; each day's entries from ``random.Random(f"{seed}:{day}")``, so any day can be
generated alone and in any order (the workspace materializes a day on its first use). Six users (the
default) are the hand-written demo team; more users add generated colleagues and, in proportion, more
clients, projects, tasks, tags and groups, with the same awkward names, USD/EUR projects with odd-cent
rates, billable and non-billable work, an archived project, zero-second, DST-spanning and
midnight-crossing entries, and one running timer (the owner's, the last entry). The dialect (see
``dialects.py``) puts the first users in their own time zones (each entry in its user's zone, its date
that user's local date) and leaves work without project unpriced; ``enriched`` changes nothing here.

Entry ids grow with creation order: day ``i`` of the range owns the ids ``base + i*stride`` up to
``base + (i+1)*stride``, and the running timer comes after every day.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from .dialects import ENRICHED, Dialect
from .workspace import (
    UTC,
    Client,
    Organization,
    Project,
    Tag,
    Task,
    TimeEntry,
    User,
    UserGroup,
    Workspace,
    stop_for,
)

DEMO_USERS = 6
PALETTE = ["#06aaf5", "#c56bff", "#ea468d", "#fb8b14", "#c7741c", "#4dc3ff", "#bc2d07",
           "#04bb9b", "#e19a86", "#205500", "#525266", "#2da608"]
DESCRIPTIONS = [
    "Sprint planning", 'Review "Q3" numbers, draft v2', "Café meeting — naïve approach",
    "Fix bug #123\nfollow-up with QA", "Unterlagen prüfen", "日本語のドキュメントを翻訳",
    "", "Call with Smith, Jones & \"Partners\"", "Deploy 🚀 to production", "Code review",
    "Écrire le rapport; relire", "Workshop: ÆØÅ edge-cases", "E-mails", "Pairing session",
]
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
GROUP_NAMES = ["Développeurs", "Beratung & Support", "Data & Analytics", "Équipe Produit",
               "Qualitätssicherung", "デザイン", "Vertrieb, Nord", "Ops \"Night\" Shift"]

# pools for the colleagues, clients, projects and tags beyond the demo team: (display, ascii slug)
FIRST_NAMES = [("Søren", "soren"), ("Małgorzata", "malgorzata"), ("François", "francois"),
               ("Björn", "bjorn"), ("Anaïs", "anais"), ("Jürgen", "juergen"), ("Siobhán", "siobhan"),
               ("Renée", "renee"), ("Ólafur", "olafur"), ("Ayşe", "ayse"), ("Иван", "ivan"),
               ("美咲", "misaki"), ("D'Arcy", "darcy"), ("Mary-Kate", "marykate"), ("Thảo", "thao"),
               ("Ngozi", "ngozi")]
LAST_NAMES = [("Kowalczyk", "kowalczyk"), ("Ødegård", "odegard"), ("Dvořák", "dvorak"),
              ("Gómez", "gomez"), ("Nakamura", "nakamura"), ("O'Connor", "oconnor"),
              ("Schäfer", "schaefer"), ("Lefèvre", "lefevre"), ("Yılmaz", "yilmaz"), ("Ng", "ng"),
              ("van der Berg", "vanderberg"), ("Петров", "petrov"), ("佐藤", "sato"), ("Smith, Jr.", "smithjr")]
CLIENT_STEMS = ["Nordlicht", "Boulangerie Étoile", "Håkansson & Dahl", "Zürcher Versicherung", "大阪商事",
                "O'Reilly, Byrne", "Ñandú Logística", "Blue \"Ocean\" Partners", "Kraków Software"]
CLIENT_SUFFIXES = [" GmbH", " S.A.", " & Co. KG", " K.K.", " Ltd.", " sp. z o.o.", "", " AB"]
PROJECT_NOUNS = ["Kundenportal", "Data Warehouse, v3", "Onboarding\nFlow", "Réservation en ligne",
                 "Billing & Invoicing", "CRM-Migration", "モバイルアプリ", "\"Green\" Audit",
                 "Intranet Relaunch", "Analytics Dashboards", "Payment Gateway", "Support Tier 2"]
TASK_NAMES = ["Design", "Backend", "Frontend", "QA", "Analyse", "Réunions", "Docs & Training", "Deploy"]
TAG_STEMS = ["Nachtschicht", "client-facing", "déplacement", "on-call 📟", "review", "会議", "fixed fee"]


def generate_organization(seed: int, start: date, end: date, tz_name: str, now: datetime,
                          users: int = DEMO_USERS, dialect: Dialect = ENRICHED) -> Organization:
    """Workspace A (premium, all the data, ``users`` people) and workspace B (free plan, the owner only)."""
    if users < 1:
        raise ValueError("a workspace needs at least one user")
    rng = random.Random(seed)
    ids = _Ids(rng)
    org_id = ids.new(8_000_000, 8_999_999)
    people = [replace(user, timezone=zone) if zone else user
              for user, zone in zip(_users(rng, ids, seed, users), [*dialect.user_zones, *[None] * users])]
    ws_a = _workspace_a(rng, ids, org_id, people, tz_name, now)
    ws_a.dialect = dialect
    if dialect.null_rates:
        ws_a.default_rate_in_cents = None
    ws_b = Workspace(id=ids.new(5_000_000, 5_999_999), name="Freelance Sandbox", organization_id=org_id,
                     plan="free", timezone=tz_name, now=now, admin_ids=frozenset({people[0].id}),
                     users=[people[0]])
    ws_a.source = DayGenerator(seed, ws_a, start, end, first_id=rng.randint(3_000_000_000, 3_100_000_000))
    ws_a.span = (start, end)
    return Organization(org_id, "Müller Consulting Group", people, [ws_a, ws_b])


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


# ---- people and dimensions ------------------------------------------------------------------------

def _users(rng: random.Random, ids: _Ids, seed: int, count: int) -> list[User]:
    specs = USER_SPECS[:count]
    for i in range(len(specs), count):  # colleagues beyond the demo team
        (first, first_slug), (last, last_slug) = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        specs.append((f"{first} {last}", f"{first_slug}.{last_slug}.{i}", rng.randint(2_750, 6_499)))
    return [User(ids.new(9_000_000, 9_999_999), name, f"{local}@example.com", f"pw-{local}-{seed}",
                 _hex_token(rng), rate) for name, local, rate in specs]


def _workspace_a(rng: random.Random, ids: _Ids, org_id: int, users: list[User], tz_name: str,
                 now: datetime) -> Workspace:
    extra = max(len(users) - DEMO_USERS, 0)
    client_names = CLIENT_NAMES + [_pick_name(CLIENT_STEMS, i) + rng.choice(CLIENT_SUFFIXES)
                                   for i in range(extra // 12)]
    clients = [Client(ids.new(60_000_000, 69_999_999), name) for name in client_names]
    projects, tasks = [], []
    for i, (name, client, billable, active, rate, currency, task_names) in enumerate(
            PROJECT_SPECS + _project_specs(rng, len(clients), extra // 4)):
        project = Project(ids.new(180_000_000, 189_999_999), name,
                          clients[client].id if client is not None else None,
                          PALETTE[i % len(PALETTE)], billable, active, rate, currency)
        projects.append(project)
        tasks += [Task(ids.new(90_000_000, 99_999_999), t, project.id) for t in task_names]
    tag_names = TAG_NAMES + [_pick_name(TAG_STEMS, i) for i in range(extra // 30)]
    tags = [Tag(ids.new(15_000_000, 15_999_999), name) for name in tag_names]
    groups = [UserGroup(ids.new(200_000, 299_999), name, members) for name, members in _groups(users)]
    return Workspace(id=ids.new(5_000_000, 5_999_999), name="Müller Consulting — Ünïcode Team",
                     organization_id=org_id, plan="premium", timezone=tz_name, now=now,
                     admin_ids=frozenset({users[0].id}), users=list(users), user_groups=groups,
                     clients=clients, projects=projects, tasks=tasks, tags=tags)


def _pick_name(stems: list[str], index: int) -> str:
    """A stem, numbered once the stems are used up, so generated names stay unique."""
    stem = stems[index % len(stems)]
    return stem if index < len(stems) else f"{stem} {index // len(stems) + 1}"


def _project_specs(rng: random.Random, clients: int, count: int) -> list[tuple]:
    """Generated projects in the shape of PROJECT_SPECS: mostly billable, some archived, USD or EUR."""
    specs = []
    for i in range(count):
        client = None if rng.random() < 0.2 else rng.randrange(clients)
        task_names = rng.sample(TASK_NAMES, rng.choice([0, 0, 1, 2, 3, 4]))
        specs.append((_pick_name(PROJECT_NOUNS, i), client, rng.random() < 0.75, rng.random() < 0.9,
                      rng.randint(5_000, 16_000), rng.choice(["USD", "EUR"]), task_names))
    return specs


def _groups(users: list[User]) -> list[tuple[str, tuple[int, ...]]]:
    """Consecutive blocks of users, two groups for a small team and one per ~25 people beyond that."""
    count = min(len(users), max(2, len(users) // 25))
    members: list[list[int]] = [[] for _ in range(count)]
    for i, user in enumerate(users):
        members[i * count // len(users)].append(user.id)
    return [(_pick_name(GROUP_NAMES, g), tuple(m)) for g, m in enumerate(members)]


# ---- time entries, a day at a time ------------------------------------------------------------------

class DayGenerator:
    """The workspace's ``DaySource``: the entries whose local start date is ``day``, the same on every call."""

    def __init__(self, seed: int, ws: Workspace, start: date, end: date, first_id: int):
        self.seed, self.ws, self.tz = seed, ws, ws.tz
        self.start, self.end = start, end
        self.first_id = first_id
        self.stride = 7 * (6 * len(ws.users) + 2) + 1  # at most 6 entries per user, quiet + DST, id steps <= 7
        self.archive_date = start + timedelta(days=45)
        self.active_projects = [p for p in ws.projects if p.active]
        self.tasks_by_project: dict[int, list[Task]] = {}
        for task in ws.tasks:
            self.tasks_by_project.setdefault(task.project_id, []).append(task)
        self.running = self._running_entry()

    def __call__(self, day: date) -> list[TimeEntry]:
        if not self.start <= day <= self.end:
            return []
        rng = random.Random(f"{self.seed}:{day.isoformat()}")
        draw = _EntryDraw(self, rng, next_id=self.first_id + (day - self.start).days * self.stride)
        users = self.ws.users
        entries = [e for user in users for e in _day_entries(draw, user, day)]
        entries = entries or [_quiet_day_entry(draw, users, day)]
        entries += _dst_entry(draw, users[0], day)
        entries = [e for e in entries if e.stop <= self.running.start]  # the running timer is the last entry
        return entries + [self.running] if day == self.running.date else entries

    def _running_entry(self) -> TimeEntry:
        rng = random.Random(f"{self.seed}:running")
        now = self.ws.now
        start = now - timedelta(seconds=rng.randint(600, 7_000))
        draw = _EntryDraw(self, rng, next_id=self.first_id + ((self.end - self.start).days + 1) * self.stride)
        return draw.make(self.ws.users[0], start, int((now - start).total_seconds()), running=True)


class _EntryDraw:
    """Draws plausible entries from one random stream; ids increase with creation order."""

    def __init__(self, days: DayGenerator, rng: random.Random, next_id: int):
        self.days, self.rng, self.tz, self.next_id = days, rng, days.tz, next_id
        self.now = days.ws.now

    def make(self, user: User, start: datetime, seconds: int, running: bool = False) -> TimeEntry:
        rng, days = self.rng, self.days
        project = None if rng.random() < 0.15 else rng.choice(self._projects_for(start))
        tasks = days.tasks_by_project.get(project.id, []) if project else []
        task = rng.choice(tasks) if tasks and rng.random() < 0.6 else None
        billable = (rng.random() < 0.85) if project is not None and project.billable else (
            project is None and rng.random() < 0.25)
        tag_ids = tuple(sorted(t.id for t in rng.sample(days.ws.tags, rng.choice([0, 0, 1, 1, 2, 3]))))
        tz = self.days.ws.zone_of(user.id)
        start = start.astimezone(UTC).astimezone(tz)  # normalise DST gaps
        stop = None if running else stop_for(start, seconds, tz)
        at = self.now if running else min(stop + timedelta(seconds=rng.randint(0, 90_000)), self.now)
        self.next_id += rng.randint(1, 7)
        return TimeEntry(self.next_id, user.id, project.id if project else None, task.id if task else None,
                         rng.choice(DESCRIPTIONS), billable, tag_ids, start, stop, seconds,
                         at.astimezone(UTC))

    def resume(self, previous: TimeEntry, start: datetime, seconds: int) -> TimeEntry:
        """Toggl's "continue": a new entry with the previous one's project, task, description and tags."""
        tz = self.days.ws.zone_of(previous.user_id)
        start = start.astimezone(UTC).astimezone(tz)
        stop = stop_for(start, seconds, tz)
        at = min(stop + timedelta(seconds=self.rng.randint(0, 90_000)), self.now)
        self.next_id += self.rng.randint(1, 7)
        return replace(previous, id=self.next_id, start=start, stop=stop, seconds=seconds, at=at.astimezone(UTC))

    def _projects_for(self, start: datetime) -> list[Project]:
        # archived projects only have time in the first weeks of history
        days = self.days
        return days.ws.projects if start.date() < days.archive_date else days.active_projects


def _day_entries(draw: _EntryDraw, user: User, day: date) -> list[TimeEntry]:
    rng = draw.rng
    weekend = day.weekday() >= 5
    count = rng.choice([0, 0, 0, 1]) if weekend else rng.choice([0, 1, 2, 3, 3, 4, 4, 5])
    tz = draw.days.ws.zone_of(user.id)
    cursor = datetime.combine(day, time(7, 30), tz) + timedelta(seconds=rng.randint(0, 7_200))
    out = []
    for _ in range(count):
        seconds = 0 if rng.random() < 0.03 else rng.randint(300, 3 * 3600)
        resumed = out and out[-1].stop is not None and rng.random() < 0.35
        out.append(draw.resume(out[-1], cursor, seconds) if resumed else draw.make(user, cursor, seconds))
        cursor += timedelta(seconds=seconds + rng.randint(0, 1_800))
        if cursor.date() != day or cursor.time() > time(21, 0):  # a day's entries start on that day
            break
    if not weekend and len(out) < 5 and rng.random() < 0.04:  # late work crossing local midnight
        late = datetime.combine(day, time(23, 0), tz) + timedelta(seconds=rng.randint(0, 3_000))
        out.append(draw.make(user, late, rng.randint(1_800, 9_000)))
    return out


def _quiet_day_entry(draw: _EntryDraw, users: list[User], day: date) -> TimeEntry:
    """Somebody always tracks something, so every day of the range has time."""
    rng = draw.rng
    offset = timedelta(seconds=rng.randint(0, 3_600))  # drawn before the user: the same data as ever
    user = rng.choice(users)
    start = datetime.combine(day, time(10), draw.days.ws.zone_of(user.id)) + offset
    return draw.make(user, start, rng.randint(600, 5_400))


def _dst_entry(draw: _EntryDraw, user: User, day: date) -> list[TimeEntry]:
    """On the eve of a DST change, one entry from 23:30 to 04:00 local, spanning the change."""
    tz = draw.days.ws.zone_of(user.id)
    before = datetime.combine(day, time(12), tz).utcoffset()
    after = datetime.combine(day + timedelta(days=1), time(12), tz).utcoffset()
    if before == after:
        return []
    start = datetime.combine(day, time(23, 30), tz)
    stop = datetime.combine(day + timedelta(days=1), time(4, 0), tz)
    seconds = int((stop.astimezone(UTC) - start.astimezone(UTC)).total_seconds())
    return [draw.make(user, start, seconds)]
