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

Cost: a query (the body without its paging fields) is answered once — selection, row grouping, totals
and dictionaries — and kept in an ``AnswerCache`` until the workspace changes, so each following page
only renders its own rows: time proportional to the page, not the range.

The workspace's dialect (``dialects.py``) decides the rest: in ``swagger`` the page size is capped at 50,
paging honours only the ``first_timestamp`` + ``first_id`` keyset (``first_row_number`` is ignored) and
sends ``X-Next-Timestamp`` and ``X-Page-Size`` beside ``X-Next-ID``/``X-Next-Row-Number``, summary sub-groups
are a map keyed by id of ``{title, seconds}``, and a fixed-range report sends no ``X-Range-*`` headers.
"""

from __future__ import annotations

import json
import random
import threading
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta

from .faults import ApiError
from .rows import RowEncoder, to_json
from .totals import DayParts, build_dictionaries, combine_totals, day_parts
from .workspace import TimeEntry, Workspace

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
    entries = ws.entries_between(query.start, query.end)
    if ws.several_zones:  # days are local to each user: their entries interleave across days
        entries = sorted(entries, key=lambda e: (e.start, e.id))
    return [e for e in entries if _passes(ws, e, query.filters)] if _filtered(query) else entries


def _filtered(query: ReportQuery) -> bool:
    return any(value is not None for value in query.filters.values())


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
    return json.loads(f"[{', '.join(RowEncoder(ws).rows(row_groups(ws, entries, grouped), 1))}]")


def row_groups(ws: Workspace, entries: list[TimeEntry], grouped: bool) -> list[list[TimeEntry]]:
    """The entries of each detailed row, rows in order (entries come ordered by start, then id)."""
    if not grouped:
        return [[entry] for entry in entries]
    return group_alike(ws, entries)


def group_alike(ws: Workspace, entries: list[TimeEntry]) -> list[list[TimeEntry]]:
    """A grouped report's rows: alike entries of one day together, ordered by their first entry."""
    groups: dict[tuple, list[TimeEntry]] = {}
    for entry in entries:
        groups.setdefault(_group_key(ws, entry), []).append(entry)
    return sorted(groups.values(), key=lambda g: (g[0].start, g[0].id))


def _group_key(ws: Workspace, e: TimeEntry) -> tuple:
    return (e.date, e.user_id, e.project_id, e.task_id, e.description, e.billable, e.tag_ids,
            *ws.rate_of(e))


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


def _sub_group_map(sub_groups: list[dict]) -> dict:
    """Sub-groups as a saved summary report serves them: keyed by id (the title when there is none), each
    holding only its title and seconds."""
    return {str(sub["id"]) if sub["id"] is not None else str(sub["title"]): {"title": sub["title"],
                                                                           "seconds": sub["seconds"]}
            for sub in sub_groups}


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
        row["billable_amounts_in_cents"][day] += ws.amount_of(e) or 0
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

@dataclass
class Answer:
    """Everything one query serves on every page: its entries, its rows (detailed), or its report
    (summary/weekly), totals and dictionaries."""

    entries: list[TimeEntry]
    totals: dict
    dictionaries: dict
    groups: list[list[TimeEntry]] | None = None  # a grouped report's rows; else one row per entry
    report: dict | list | None = None
    _cursors: list[tuple[int, int]] | None = field(default=None, repr=False)
    _row_of_id: dict[int, int] | None = field(default=None, repr=False)

    @property
    def row_count(self) -> int:
        return len(self.entries if self.groups is None else self.groups)

    def rows(self, first: int, following: int) -> list[list[TimeEntry]]:
        """The entries of rows [first, following)."""
        if self.groups is None:
            return [[entry] for entry in self.entries[first:following]]
        return self.groups[first:following]

    def first_entry(self, row: int) -> TimeEntry:
        return self.entries[row] if self.groups is None else self.groups[row][0]

    def cursors(self) -> list[tuple[int, int]]:
        """(unix start, id) of each row's first entry, ascending: where a first_timestamp cursor lands."""
        if self._cursors is None:
            firsts = self.entries if self.groups is None else [g[0] for g in self.groups]
            self._cursors = [(int(e.start.timestamp()), e.id) for e in firsts]
        return self._cursors

    def row_of_id(self, entry_id: int) -> int | None:
        """Index of the row whose first entry has this id."""
        if self._row_of_id is None:
            self._row_of_id = {}
            for row in range(self.row_count):
                self._row_of_id.setdefault(self.first_entry(row).id, row)
        return self._row_of_id.get(entry_id)


def answer_query(ws: Workspace, query: ReportQuery, days: DayParts | None = None) -> Answer:
    """Select, group and total one query (the whole range: done once per query, not per page).
    ``days``: kept parts of unfiltered days, so an unfiltered query totals its days, not its entries."""
    entries = select_entries(ws, query)
    parts = (days.between(ws, query.start, query.end) if days is not None and not _filtered(query)
             else day_parts(ws, entries))
    answer = Answer(entries, combine_totals(parts, query.start, query.end),
                    build_dictionaries(ws, parts.values()))
    if query.report_type == "summary":
        answer.report = build_summary(ws, entries, query.grouping, query.sub_grouping)
        if ws.dialect.summary_map:
            answer.report = {"groups": [{**group, "sub_groups": _sub_group_map(group["sub_groups"])}
                                        for group in answer.report["groups"]]}
    elif query.report_type == "weekly":
        answer.report = build_weekly(ws, entries, query.start)
    elif query.grouped:
        answer.groups = group_alike(ws, entries)
    return answer


class AnswerCache:
    """The answers of the most recent queries, by report, query without its paging fields and workspace
    version (any edit of an entry makes a new version, so an edit shows on the next request), with the
    day parts and encoded rows they share."""

    def __init__(self, size: int = 8):
        self.size = size
        self.days = DayParts()
        self._answers: OrderedDict[tuple, Answer] = OrderedDict()
        self._encoders: dict[int, RowEncoder] = {}
        self._lock = threading.Lock()

    def encoder(self, ws: Workspace) -> RowEncoder:
        """The workspace's row encoder, whose encoded entries and names outlive any one query."""
        encoder = self._encoders.get(ws.id)
        if encoder is None or encoder.ws is not ws:
            encoder = self._encoders[ws.id] = RowEncoder(ws)
        return encoder

    def get(self, ws: Workspace, report: ReportDefinition, query: ReportQuery) -> Answer:
        key = (report.token, _query_key(query), ws.version)
        with self._lock:  # one thread computes a query; the others wait for it instead of repeating it
            answer = self._answers.get(key)
            if answer is None:
                answer = self._answers[key] = answer_query(ws, query, self.days)
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
            self._answers.move_to_end(key)
            return answer

    def clear(self) -> None:
        """Forget the answers (not the day parts or encoded rows: they depend on the data alone)."""
        with self._lock:
            self._answers.clear()


def _query_key(query: ReportQuery) -> tuple:
    filters = json.dumps(query.filters, sort_keys=True, default=str)
    return (query.report_type, query.start, query.end, query.grouped, filters, query.grouping,
            query.sub_grouping)


def shared_report_response(ws: Workspace, report: ReportDefinition, body: dict, today: date,
                           too_big_rows: int | None = None,
                           cache: AnswerCache | None = None) -> tuple[bytes, dict[str, str]]:
    """(JSON response body, headers) of one answer of a shared report (one page, for a detailed one)."""
    query = resolve_query(report, body, today)
    cache = cache if cache is not None else AnswerCache()
    answer = cache.get(ws, report, query)
    dialect = ws.dialect
    headers = {}
    if dialect.range_headers_on_fixed or not report.fixed_daterange:
        headers = {"X-Range-Start": query.start.isoformat(), "X-Range-End": query.end.isoformat()}
    results = {"detailed_results": None, "summary_results": None, "weekly_results": None}
    rows: list[str] = []
    if query.report_type == "summary":
        results["summary_results"] = {"report": answer.report, "totals": answer.totals}
    elif query.report_type == "weekly":
        results["weekly_results"] = {"report": answer.report, "totals": answer.totals}
    else:
        if too_big_rows is not None and answer.row_count > too_big_rows:
            raise ApiError(500, "report is too big to be exported")
        first = _first_index(answer, query, keyset_only=dialect.keyset_paging) if dialect.honours_cursor else 0
        page_size = min(query.page_size, dialect.max_page_size or query.page_size)
        following = first + page_size
        if following < answer.row_count:
            headers["X-Next-ID"] = str(answer.first_entry(following).id)
            headers["X-Next-Row-Number"] = str(following + 1)
            if dialect.keyset_paging:
                headers["X-Next-Timestamp"] = str(answer.cursors()[following][0])
        if dialect.keyset_paging:
            headers["X-Page-Size"] = str(page_size)
        rows = cache.encoder(ws).rows(answer.rows(first, following), first + 1)
        results["detailed_results"] = {"report": _ROWS, "totals": answer.totals}
    text = to_json({**_envelope(report, body, answer.dictionaries), **results})
    if query.report_type == "detailed":  # splice the page's rows in (the last _ROWS: the body comes first)
        before, _, after = text.rpartition(to_json(_ROWS))
        text = f"{before}[{', '.join(rows)}]{after}"
    if report.hide_amounts:
        text = to_json(_without_amounts(json.loads(text)))
    return text.encode("utf-8"), headers


def load_shared_report(ws: Workspace, report: ReportDefinition, body: dict, today: date,
                       too_big_rows: int | None = None,
                       cache: AnswerCache | None = None) -> tuple[dict, dict[str, str]]:
    """``shared_report_response`` with the body decoded (for in-process use: tests, expected values)."""
    payload, headers = shared_report_response(ws, report, body, today, too_big_rows, cache)
    return json.loads(payload), headers


_ROWS = "\x00rows of this page\x00"  # placeholder of the rows while the rest of the page is encoded
_MONEY_KEYS = ("billable_amount_in_cents", "billable_amounts_in_cents")


def _without_amounts(value):
    """A copy of a response part with every billable amount null and every by_rate empty, as a hidden report
    serves it; the labour cost is still sent (a copy: the cached answer stays intact)."""
    if isinstance(value, dict):
        return {key: None if key in _MONEY_KEYS else {} if key == "by_rate" else _without_amounts(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_without_amounts(item) for item in value]
    return value


def report_rows(ws: Workspace, report: ReportDefinition, start: date | None, end: date | None,
                today: date, **filters) -> list[dict]:
    """Every detailed row the endpoint serves (all pages) for these dates and filters."""
    body = {"start_date": start and start.isoformat(), "end_date": end and end.isoformat(), **filters}
    query = resolve_query(report, body, today)
    return build_rows(ws, select_entries(ws, query), query.grouped)


def _first_index(answer: Answer, query: ReportQuery, keyset_only: bool = False) -> int:
    """Where a page starts: first_row_number (unless paging by keyset only), else the (first_timestamp,
    first_id) cursor, else 0."""
    if query.first_row_number is not None and not keyset_only:
        return max(query.first_row_number - 1, 0)
    if query.first_timestamp is not None:
        return bisect_left(answer.cursors(), (query.first_timestamp, query.first_id or 0))
    if query.first_id is not None and not keyset_only:
        return answer.row_of_id(query.first_id) or 0
    return 0


def _envelope(report: ReportDefinition, body: dict, dictionaries: dict) -> dict:
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
        "dictionaries": dictionaries,
    }
