"""A report answer's totals and dictionaries, built from per-day parts.

Totals (seconds, cents, labour cost, graph buckets, rates) are sums and dictionaries are unions of
referenced ids, so both add up over days: a ``DayPart`` holds one day's share, and a range combines its
days' parts in date order. ``DayParts`` keeps the parts of the unfiltered workspace per day until any
entry changes, so an unfiltered query totals a year in time proportional to its days, not its entries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .workspace import TimeEntry, Workspace


# ---- graph buckets --------------------------------------------------------------------------

def resolution_for(start: date, end: date) -> str:
    days = (end - start).days + 1
    return "day" if days <= 31 else "week" if days <= 183 else "month"


def bucket_start(day: date, resolution: str) -> date:
    if resolution == "week":
        return day - timedelta(days=day.weekday())
    if resolution == "month":
        return day.replace(day=1)
    return day


def bucket_starts(start: date, end: date, resolution: str) -> list[date]:
    """First day of every bucket intersecting [start, end]."""
    starts, day = [], bucket_start(start, resolution)
    while day <= end:
        starts.append(day)
        day = _next_bucket(day, resolution)
    return starts


def _next_bucket(day: date, resolution: str) -> date:
    if resolution == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=7 if resolution == "week" else 1)


# ---- one day's share ------------------------------------------------------------------------

@dataclass
class DayPart:
    """One day's entries summed: measures, billable amounts by rate, billable seconds by (rate, currency)
    and the ids they reference (for the dictionaries)."""

    seconds: int = 0
    amount: int = 0
    labour: int = 0
    by_rate: dict[str, int] = field(default_factory=dict)
    rates: dict[tuple[int, str], int] = field(default_factory=dict)
    user_ids: set[int] = field(default_factory=set)
    project_ids: set[int | None] = field(default_factory=set)
    task_ids: set[int | None] = field(default_factory=set)
    tag_ids: set[int] = field(default_factory=set)

    def add(self, ws: Workspace, e: TimeEntry) -> None:
        amount = ws.amount_of(e)
        self.seconds += e.seconds
        self.amount += amount or 0  # unpriced work (no rate, null amount) adds no money
        self.labour += ws.labour_cost_of(e)
        if e.billable and amount is not None:
            rate, currency = ws.rate_of(e)
            self.by_rate[str(rate)] = self.by_rate.get(str(rate), 0) + amount
            self.rates[(rate, currency)] = self.rates.get((rate, currency), 0) + e.seconds
        self.user_ids.add(e.user_id)
        self.project_ids.add(e.project_id)
        self.task_ids.add(e.task_id)
        self.tag_ids.update(e.tag_ids)


def day_parts(ws: Workspace, entries: Iterable[TimeEntry]) -> dict[date, DayPart]:
    """The parts of the days these entries start on (days without entries have none), in date order."""
    parts: dict[date, DayPart] = {}
    for e in entries:
        part = parts.get(e.date)
        if part is None:
            part = parts[e.date] = DayPart()
        part.add(ws, e)
    return dict(sorted(parts.items()))


class DayParts:
    """The unfiltered parts of a workspace's days, each computed once per workspace version."""

    def __init__(self) -> None:
        self._parts: dict[date, DayPart | None] = {}
        self._key: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def between(self, ws: Workspace, start: date, end: date) -> dict[date, DayPart]:
        with self._lock:
            if self._key != (id(ws), ws.version):
                self._parts, self._key = {}, (id(ws), ws.version)
            days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
            missing = [day for day in days if day not in self._parts]
            if missing:
                computed = day_parts(ws, ws.entries_between(missing[0], missing[-1]))
                self._parts.update({day: computed.get(day) for day in missing})
            return {day: self._parts[day] for day in days if self._parts[day] is not None}


# ---- totals and dictionaries ------------------------------------------------------------------

def build_totals(ws: Workspace, entries: list[TimeEntry], start: date, end: date) -> dict:
    return combine_totals(day_parts(ws, entries), start, end)


def combine_totals(parts: dict[date, DayPart], start: date, end: date) -> dict:
    """The totals object of [start, end] from its days' parts (in date order)."""
    resolution = resolution_for(start, end)
    graph = {b: _empty_bucket() for b in bucket_starts(start, end, resolution)}
    rates: dict[tuple[int, str], int] = {}
    for day, part in parts.items():
        bucket = graph[bucket_start(day, resolution)]
        bucket["seconds"] += part.seconds
        bucket["billable_amount_in_cents"] += part.amount
        bucket["labour_cost_in_cents"] += part.labour
        for rate, amount in part.by_rate.items():
            bucket["by_rate"][rate] = bucket["by_rate"].get(rate, 0) + amount
        for key, seconds in part.rates.items():
            rates[key] = rates.get(key, 0) + seconds
    buckets = list(graph.values())
    return {
        "seconds": sum(b["seconds"] for b in buckets),
        "billable_amount_in_cents": sum(b["billable_amount_in_cents"] for b in buckets),
        "labour_cost_in_cents": sum(b["labour_cost_in_cents"] for b in buckets),
        "tracked_days": len(parts),
        "resolution": resolution,
        "graph": buckets,
        "rates": [{"billable_seconds": s, "hourly_rate_in_cents": r, "currency": c}
                  for (r, c), s in sorted(rates.items())],
    }


def _empty_bucket() -> dict:
    return {"seconds": 0, "billable_amount_in_cents": 0, "labour_cost_in_cents": 0, "by_rate": {}}


def build_dictionaries(ws: Workspace, parts: Iterable[DayPart]) -> dict:
    """Everything the days' entries reference, keyed by id string."""
    parts = list(parts)
    users = set().union(*(p.user_ids for p in parts))
    project_ids = set().union(*(p.project_ids for p in parts))
    tasks = set().union(*(p.task_ids for p in parts))
    tags = set().union(*(p.tag_ids for p in parts))
    projects = [p for p in ws.projects if p.id in project_ids]
    clients = {p.client_id for p in projects}
    if ws.dialect.swagger_dictionaries:
        return _swagger_dictionaries(ws, users, projects, clients, tasks, tags)
    return {
        "clients": {str(c.id): {"id": c.id, "name": c.name} for c in ws.clients if c.id in clients},
        "projects": {str(p.id): {"id": p.id, "name": p.name, "client_id": p.client_id, "color": p.color,
                                 "billable": p.billable, "active": p.active, "currency": p.currency}
                     for p in projects},
        "tags": {str(t.id): {"id": t.id, "name": t.name} for t in ws.tags if t.id in tags},
        "tasks": {str(t.id): {"id": t.id, "name": t.name, "project_id": t.project_id}
                  for t in ws.tasks if t.id in tasks},
        "users": {str(u.id): {"id": u.id, "name": u.name, "email": u.email}
                  for u in ws.users if u.id in users},
        "user_groups": {str(g.id): {"id": g.id, "name": g.name, "user_ids": list(g.user_ids)}
                        for g in ws.user_groups if users & set(g.user_ids)},
        "filters": {},
    }


def _swagger_dictionaries(ws: Workspace, users: set[int], projects: list, clients: set, tasks: set,
                          tags: set) -> dict:
    """The dictionaries as Toggl's swagger has them: projects without billable/active but with fixed_fee,
    estimates and dates; users with group_ids and labour_cost; user groups without user_ids."""
    groups_of = {u: [g.id for g in ws.user_groups if u in g.user_ids] for u in users}
    return {
        "clients": {str(c.id): {"id": c.id, "name": c.name, "external_reference": None}
                    for c in ws.clients if c.id in clients},
        "projects": {str(p.id): {"id": p.id, "name": p.name, "client_id": p.client_id, "color": p.color,
                                 "currency": p.currency, "fixed_fee": None, "estimated_seconds": p.estimated_seconds,
                                 "estimated_hours": None, "actual_seconds": None, "actual_hours": None,
                                 "recurring": False, "recurring_parameters": None, "start_date": None,
                                 "end_date": None, "external_reference": None}
                     for p in projects},
        "tags": {str(t.id): {"id": t.id, "name": t.name} for t in ws.tags if t.id in tags},
        "tasks": {str(t.id): {"id": t.id, "name": t.name, "project_id": t.project_id, "estimated_seconds": None,
                              "tracked_seconds": None}
                  for t in ws.tasks if t.id in tasks},
        "users": {str(u.id): {"id": u.id, "name": u.name, "email": u.email, "avatar_url": "",
                              "group_ids": groups_of[u.id], "labour_cost": u.labour_rate_in_cents}
                  for u in ws.users if u.id in users},
        "user_groups": {str(g.id): {"id": g.id, "name": g.name}
                        for g in ws.user_groups if users & set(g.user_ids)},
    }
