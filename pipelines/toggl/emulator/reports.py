"""Shared saved reports: their definitions and the answer to ``POST /reports/api/v3/shared/{token}``.

Detailed reports are complete (paging, grouping, totals); summary (grouping projects/users/clients,
sub_grouping also tasks/time_entries; sub_groups as a list of {id, title, seconds, ids}) and weekly
(at most 7 days; per-weekday integer arrays per user x project x rate) are simpler, unpaged.

Body handling: ``start_date``/``end_date`` (inclusive; a fixed-daterange report always uses its saved
dates; both omitted -> saved dates or the last 7 days; only one given -> a 7-day range from it),
filters (user_ids, group_ids, client_ids, project_ids, task_ids, tag_ids — a null or 0 in the list
means "none" —, description substring, billable, grouped), paging (page_size, first_row_number,
else the cursor first_timestamp (unix seconds of the first entry's start) + first_id, else
first_id). Rows are ordered by the start of their first entry, then its id; totals cover the whole
filtered range and are identical on every page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .faults import ApiError
from .workspace import UTC, TimeEntry, Workspace

DEFAULT_PAGE_SIZE = 50
MAX_RANGE_DAYS = 366
PERIOD_NOT_SUPPORTED = "The report period is not supported"
LIST_FILTERS = ("user_ids", "group_ids", "client_ids", "project_ids", "task_ids", "tag_ids")


@dataclass(frozen=True)
class ReportDefinition:
    key: str
    token: str
    name: str
    report_type: str | None
    public: bool
    grouped: bool
    fixed_daterange: bool
    saved_params: dict
    workspace_id: int
    owner_id: int | None = None
    hide_amounts: bool = False  # saved with "hide amounts": money is served as null (Toggl's choice is undocumented)


@dataclass(frozen=True)
class ReportQuery:
    """A request resolved against the report's saved parameters."""

    report_type: str
    start: date
    end: date
    grouped: bool
    filters: dict = field(default_factory=dict)
    page_size: int = DEFAULT_PAGE_SIZE
    first_row_number: int | None = None
    first_id: int | None = None
    first_timestamp: int | None = None
    grouping: str = "projects"
    sub_grouping: str = "time_entries"


def define_reports(rng: random.Random, ws: Workspace, today: date) -> dict[str, ReportDefinition]:
    """The saved reports of workspace ``ws``, keyed by name; tokens are deterministic 32-hex strings."""
    owner = ws.users[0].id
    fixed = {"start_date": (today - timedelta(days=20)).isoformat(),
             "end_date": (today - timedelta(days=7)).isoformat()}
    specs = [  # key, report_type, public, grouped, fixed_daterange, extra saved params
        ("team_detailed", "detailed", False, False, False, {}),
        ("grouped_detailed", "detailed", True, True, False, {}),
        ("fixed_range", "detailed", False, False, True, fixed),
        ("broken", None, True, False, False, {}),
        ("team_summary", "summary", False, False, False, {"grouping": "projects",
                                                          "sub_grouping": "time_entries"}),
        ("team_weekly", "weekly", False, False, False, {}),
    ]
    reports = {}
    for key, report_type, public, grouped, fixed_range, extra in specs:
        saved = {"grouped": grouped, **extra}
        if report_type:
            saved["report_type"] = report_type
        reports[key] = ReportDefinition(key, f"{rng.getrandbits(128):032x}", key, report_type, public,
                                        grouped, fixed_range, saved, ws.id, owner)
    return reports


# ---- request resolution --------------------------------------------------------------------

def resolve_query(report: ReportDefinition, body: dict, today: date) -> ReportQuery:
    """Merge body over saved params; raise ApiError for unsupported params or periods."""
    report_type = report.saved_params.get("report_type")
    if not report_type:
        raise ApiError(400, "report_type does not exist in params")
    params = {**report.saved_params, **{k: v for k, v in body.items() if v is not None}}
    dates = report.saved_params if report.fixed_daterange else params
    start, end = _date_range(dates.get("start_date"), dates.get("end_date"), today)
    days = (end - start).days + 1
    if end < start or days > (7 if report_type == "weekly" else MAX_RANGE_DAYS):
        raise ApiError(400, PERIOD_NOT_SUPPORTED)
    filters = {k: params[k] for k in (*LIST_FILTERS, "description", "billable") if k in params}
    grouping, sub_grouping = params.get("grouping", "projects"), params.get("sub_grouping", "time_entries")
    if grouping not in GROUPINGS or sub_grouping not in SUB_GROUPINGS:
        raise ApiError(400, "Invalid parameters")
    return ReportQuery(report_type, start, end, bool(params.get("grouped", False)), filters,
                       _positive_int(params.get("page_size", DEFAULT_PAGE_SIZE)),
                       _optional_int(params.get("first_row_number")), _optional_int(params.get("first_id")),
                       _optional_int(params.get("first_timestamp")), grouping, sub_grouping)


def _date_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    first, last = _parse_date(start), _parse_date(end)
    if first is None and last is None:
        return today - timedelta(days=6), today
    if first is None:
        return last - timedelta(days=6), last
    if last is None:
        return first, first + timedelta(days=6)
    return first, last


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ApiError(400, PERIOD_NOT_SUPPORTED) from None


def _positive_int(value) -> int:
    number = _optional_int(value)
    if number is None or number < 1:
        raise ApiError(400, "Invalid parameters")
    return number


def _optional_int(value) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "Invalid parameters") from None


# ---- selection ------------------------------------------------------------------------------

def select_entries(ws: Workspace, query: ReportQuery) -> list[TimeEntry]:
    """Entries of the range that pass every filter, ordered by start, then id."""
    return [e for e in ws.entries_between(query.start, query.end) if _passes(ws, e, query.filters)]


def _passes(ws: Workspace, entry: TimeEntry, filters: dict) -> bool:
    project = ws.project(entry.project_id)
    checks = {
        "user_ids": lambda wanted: entry.user_id in wanted,
        "group_ids": lambda wanted: any(entry.user_id in g.user_ids for g in ws.user_groups
                                        if g.id in wanted),
        "project_ids": lambda wanted: _id_in(entry.project_id, wanted),
        "client_ids": lambda wanted: _id_in(project.client_id if project else None, wanted),
        "task_ids": lambda wanted: _id_in(entry.task_id, wanted),
        "tag_ids": lambda wanted: (not entry.tag_ids and _wants_none(wanted))
        or bool(set(entry.tag_ids) & set(wanted)),
    }
    for key, check in checks.items():
        if filters.get(key) is not None and not check(list(filters[key])):
            return False
    text = filters.get("description")
    if text and str(text).casefold() not in entry.description.casefold():
        return False
    return filters.get("billable") is None or bool(filters["billable"]) == entry.billable


def _wants_none(wanted: list) -> bool:
    return any(v in (None, 0) for v in wanted)


def _id_in(value: int | None, wanted: list) -> bool:
    return _wants_none(wanted) if value is None else value in wanted


# ---- rows -------------------------------------------------------------------------------------

def build_rows(ws: Workspace, entries: list[TimeEntry], grouped: bool) -> list[dict]:
    """Detailed rows (one per entry, or per group of alike entries of one day), numbered from 1."""
    groups: dict[tuple, list[TimeEntry]] = {}
    for entry in entries:
        key = _group_key(ws, entry) if grouped else (entry.id,)
        groups.setdefault(key, []).append(entry)
    ordered = sorted(groups.values(), key=lambda g: (g[0].start, g[0].id))
    return [_row(ws, group, number) for number, group in enumerate(ordered, start=1)]


def _group_key(ws: Workspace, e: TimeEntry) -> tuple:
    return (e.date, e.user_id, e.project_id, e.task_id, e.description, e.billable, e.tag_ids,
            *ws.rate_of(e))


def _row(ws: Workspace, group: list[TimeEntry], number: int) -> dict:
    first = group[0]
    user, project, task = ws.user(first.user_id), ws.project(first.project_id), ws.task(first.task_id)
    client = ws.client(project.client_id) if project else None
    rate, currency = ws.rate_of(first)
    return {
        "user_id": user.id, "username": user.name, "email": user.email,
        "project_id": project.id if project else None,
        "project_name": project.name if project else None,
        "project_color": project.color if project else None,
        "project_hex": project.color if project else None,
        "client_name": client.name if client else None,
        "task_id": task.id if task else None, "task_name": task.name if task else None,
        "description": first.description, "billable": first.billable,
        "billable_amount_in_cents": sum(ws.amount_of(e) for e in group),
        "hourly_rate_in_cents": rate, "currency": currency,
        "tag_ids": list(first.tag_ids), "tag_names": [ws.tag(t).name for t in first.tag_ids],
        "row_number": number,
        "time_entries": [_time_entry(ws, e) for e in group],
    }


def _time_entry(ws: Workspace, e: TimeEntry) -> dict:
    return {"id": e.id, "seconds": e.seconds, "start": e.start_str, "stop": e.stop_str,
            "at": e.at.astimezone(UTC).isoformat(), "at_tz": e.at.astimezone(ws.tz).isoformat()}


# ---- totals ---------------------------------------------------------------------------------

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


def build_totals(ws: Workspace, entries: list[TimeEntry], start: date, end: date) -> dict:
    resolution = resolution_for(start, end)
    graph = {b: _empty_bucket() for b in bucket_starts(start, end, resolution)}
    rates: dict[tuple[int, str], int] = {}
    for e in entries:
        amount, labour = ws.amount_of(e), ws.labour_cost_of(e)
        bucket = graph[bucket_start(e.date, resolution)]
        bucket["seconds"] += e.seconds
        bucket["billable_amount_in_cents"] += amount
        bucket["labour_cost_in_cents"] += labour
        if e.billable:
            rate, currency = ws.rate_of(e)
            bucket["by_rate"][str(rate)] = bucket["by_rate"].get(str(rate), 0) + amount
            rates[(rate, currency)] = rates.get((rate, currency), 0) + e.seconds
    buckets = list(graph.values())
    return {
        "seconds": sum(b["seconds"] for b in buckets),
        "billable_amount_in_cents": sum(b["billable_amount_in_cents"] for b in buckets),
        "labour_cost_in_cents": sum(b["labour_cost_in_cents"] for b in buckets),
        "tracked_days": len({e.date for e in entries}),
        "resolution": resolution,
        "graph": buckets,
        "rates": [{"billable_seconds": s, "hourly_rate_in_cents": r, "currency": c}
                  for (r, c), s in sorted(rates.items())],
    }


def _empty_bucket() -> dict:
    return {"seconds": 0, "billable_amount_in_cents": 0, "labour_cost_in_cents": 0, "by_rate": {}}


# ---- dictionaries -----------------------------------------------------------------------------

def build_dictionaries(ws: Workspace, entries: list[TimeEntry]) -> dict:
    """Everything the entries reference, keyed by id string."""
    users = {e.user_id for e in entries}
    projects = [p for p in ws.projects if p.id in {e.project_id for e in entries}]
    clients = {p.client_id for p in projects}
    tasks = {e.task_id for e in entries}
    tags = {t for e in entries for t in e.tag_ids}
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


# ---- summary and weekly ---------------------------------------------------------------------

GROUPINGS = ("projects", "users", "clients")
SUB_GROUPINGS = (*GROUPINGS, "tasks", "time_entries")


def summary_key(ws: Workspace, e: TimeEntry, by: str) -> tuple[int | None, str | None]:
    """(id, name) of what an entry belongs to under a summary grouping or sub-grouping."""
    if by == "users":
        return e.user_id, ws.user(e.user_id).name
    if by == "time_entries":
        return None, e.description
    if by == "tasks":
        task = ws.task(e.task_id)
        return (task.id, task.name) if task else (None, None)
    project = ws.project(e.project_id)
    if by == "projects":
        return (project.id, project.name) if project else (None, None)
    client = ws.client(project.client_id) if project else None
    return (client.id, client.name) if client else (None, None)


def build_summary(ws: Workspace, entries: list[TimeEntry], grouping: str, sub_grouping: str) -> dict:
    """``report.groups``: one group per grouping id, sub_groups as a list of {id, title, seconds, ids}."""
    groups: dict = {}
    for e in entries:
        group_id = summary_key(ws, e, grouping)[0]
        groups.setdefault(group_id, {}).setdefault(summary_key(ws, e, sub_grouping), []).append(e)
    return {"groups": [_summary_group(ws, grouping, gid, subs) for gid, subs in
                       sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]}


def _summary_group(ws: Workspace, grouping: str, group_id, subs: dict) -> dict:
    name = summary_key(ws, next(iter(subs.values()))[0], grouping)[1]
    project = ws.project(group_id) if grouping == "projects" else None
    color = project.color if project else None
    return {"id": group_id, "ids": [], "names": [name] if name is not None else [],
            "project_color": color, "project_hex_color": color,
            "sub_groups": [{"id": sid, "title": title, "seconds": sum(e.seconds for e in group),
                            "ids": [e.id for e in group]}
                           for (sid, title), group in subs.items()]}


def build_weekly(ws: Workspace, entries: list[TimeEntry], start: date) -> list[dict]:
    """One row per user x project x rate; 7-item arrays indexed by day since ``start``."""
    rows: dict[tuple, dict] = {}
    for e in entries:
        rate, currency = ws.rate_of(e)
        row = rows.get((e.user_id, e.project_id, rate, currency))
        if row is None:
            row = rows[(e.user_id, e.project_id, rate, currency)] = _weekly_row(ws, e, rate, currency)
        day = (e.date - start).days
        row["seconds"][day] += e.seconds
        row["billable_seconds"][day] += e.seconds if e.billable else 0
        row["billable_amounts_in_cents"][day] += ws.amount_of(e)
    return list(rows.values())


def _weekly_row(ws: Workspace, e: TimeEntry, rate: int, currency: str) -> dict:
    project = ws.project(e.project_id)
    client = ws.client(project.client_id) if project else None
    return {"user_id": e.user_id, "user_name": ws.user(e.user_id).name,
            "project_id": e.project_id, "project_name": project.name if project else None,
            "client_name": client.name if client else None,
            "project_color": project.color if project else None,
            "project_hex_color": project.color if project else None, "planned_task_id": None,
            "seconds": [0] * 7, "billable_seconds": [0] * 7, "billable_amounts_in_cents": [0] * 7,
            "hourly_rate_in_cents": rate, "currency": currency}


# ---- the endpoint -----------------------------------------------------------------------------

def load_shared_report(ws: Workspace, report: ReportDefinition, body: dict, today: date,
                       too_big_rows: int | None = None) -> tuple[dict, dict[str, str]]:
    """(response body, headers) for one answer of a shared report (one page, for a detailed one)."""
    query = resolve_query(report, body, today)
    entries = select_entries(ws, query)
    headers = {"X-Range-Start": query.start.isoformat(), "X-Range-End": query.end.isoformat()}
    totals = build_totals(ws, entries, query.start, query.end)
    results = {"detailed_results": None, "summary_results": None, "weekly_results": None}
    if query.report_type == "summary":
        results["summary_results"] = {"report": build_summary(ws, entries, query.grouping, query.sub_grouping),
                                      "totals": totals}
    elif query.report_type == "weekly":
        results["weekly_results"] = {"report": build_weekly(ws, entries, query.start), "totals": totals}
    else:
        rows = build_rows(ws, entries, query.grouped)
        if too_big_rows is not None and len(rows) > too_big_rows:
            raise ApiError(500, "report is too big to be exported")
        page, paging = _page(rows, query)
        headers.update(paging)
        results["detailed_results"] = {"report": page, "totals": totals}
    if report.hide_amounts:
        _hide_amounts(results)
    return {**_envelope(ws, report, body, entries), **results}, headers


_MONEY_KEYS = ("billable_amount_in_cents", "labour_cost_in_cents", "billable_amounts_in_cents")


def _hide_amounts(value) -> None:
    """Null every money field (and empty every by_rate) in a response, in place, as a hidden report does."""
    if isinstance(value, dict):
        for key in value:
            if key in _MONEY_KEYS:
                value[key] = None
            elif key == "by_rate":
                value[key] = {}
            else:
                _hide_amounts(value[key])
    elif isinstance(value, list):
        for item in value:
            _hide_amounts(item)


def report_rows(ws: Workspace, report: ReportDefinition, start: date | None, end: date | None,
                today: date, **filters) -> list[dict]:
    """Every detailed row the endpoint serves (all pages) for these dates and filters."""
    body = {"start_date": start and start.isoformat(), "end_date": end and end.isoformat(), **filters}
    query = resolve_query(report, body, today)
    return build_rows(ws, select_entries(ws, query), query.grouped)


def _page(rows: list[dict], query: ReportQuery) -> tuple[list[dict], dict[str, str]]:
    first = _first_index(rows, query)
    following = first + query.page_size
    headers = {}
    if following < len(rows):
        headers["X-Next-ID"] = str(rows[following]["time_entries"][0]["id"])
        headers["X-Next-Row-Number"] = str(following + 1)
    return rows[first:following], headers


def _first_index(rows: list[dict], query: ReportQuery) -> int:
    """Where a page starts: first_row_number, else the (first_timestamp, first_id) cursor, else 0."""
    if query.first_row_number is not None:
        return max(query.first_row_number - 1, 0)
    if query.first_timestamp is not None:
        cursor = (query.first_timestamp, query.first_id or 0)
        return next((i for i, r in enumerate(rows) if _row_cursor(r) >= cursor), len(rows))
    if query.first_id is not None:
        return next((i for i, r in enumerate(rows) if r["time_entries"][0]["id"] == query.first_id), 0)
    return 0


def _row_cursor(row: dict) -> tuple[int, int]:
    first = row["time_entries"][0]
    return int(datetime.fromisoformat(first["start"]).timestamp()), first["id"]


def _envelope(ws: Workspace, report: ReportDefinition, body: dict, entries: list[TimeEntry]) -> dict:
    return {
        "report_type": report.report_type,
        "report_name": report.name,
        "public": report.public,
        "fixed_daterange": report.fixed_daterange,
        "hide_amounts": report.hide_amounts,
        "is_commenting_enabled": False,
        "workspace_logo": "",
        "features": {},
        "input_params": body,
        "saved_params": report.saved_params,
        "dictionaries": build_dictionaries(ws, entries),
    }
