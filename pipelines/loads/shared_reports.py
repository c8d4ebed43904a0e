"""Load one shared report over a date range: fetch pages -> land raw -> flatten -> replace the window.

The report's type (detailed, summary or weekly) is read from its first page and decides where its rows go:
detailed time entries to `toggl.report_time_entries` and weekly per-day values to `toggl.report_weekly`, both
replaced over the whole served date range; summary groups to `toggl.report_summary`, replaced per served
window (like the totals). Totals, graph, rates and dictionaries are loaded for every type.

Everything happens in ONE database transaction: each page is landed in `toggl_raw` and its rows are
COPYed into a staging table as it arrives (memory does not grow with the range); at the end the range is
replaced with one set-based merge, the totals of each served window are compared with the rows just
staged, and the dictionaries are upserted into the dimension tables. Any failure — HTTP, parsing, a bad
row, a lost connection — rolls everything back and leaves the warehouse as it was.
No Dagster here: the asset in `pipelines.assets.shared_reports` is a thin wrapper.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pipelines.toggl.client import (
    ReportPage,
    ReportWindow,
    SharedReportRef,
    TogglClient,
)
from pipelines.toggl.errors import TogglResponseError
from pipelines.transform.detailed import flatten_time_entries
from pipelines.transform.dictionaries import flatten_dictionaries
from pipelines.transform.summary import flatten_summary
from pipelines.transform.totals import flatten_totals
from pipelines.transform.weekly import flatten_weekly
from pipelines.warehouse import tables
from pipelines.warehouse.loader import LoadStats, Window, WindowLoad
from pipelines.warehouse.raw import land_received

SOURCE = "shared_report"


@dataclass(frozen=True)
class WindowTotals:
    """What Toggl's totals said for one served window, beside what the loaded rows add up to.

    `loaded_billable_amount_in_cents` is None for a report type whose rows carry no amounts (summary):
    then only the seconds are compared.
    """

    window_start: date
    window_end: date
    toggl_seconds: int
    toggl_billable_amount_in_cents: int
    loaded_seconds: int
    loaded_billable_amount_in_cents: int | None

    @property
    def agrees(self) -> bool:
        """True when the rows add up to Toggl's totals to the second (and the cent, where they carry money)."""
        cents_agree = self.loaded_billable_amount_in_cents in (None, self.toggl_billable_amount_in_cents)
        return self.loaded_seconds == self.toggl_seconds and cents_agree


@dataclass(frozen=True)
class ReportKind:
    """How one report type reaches the warehouse.

    `flatten(rows, report_key, window, body)` turns the rows of a window (one page's, or all pages' when
    `date_column` is None) into a frame of `spec`. With a `date_column` the table is replaced over the whole
    served range in one merge; without one it is replaced per served window (report_key, window_start,
    window_end). `has_amounts`: its rows carry billable cents to compare with the totals.
    """

    name: str
    results_key: str
    spec: tables.TableSpec
    date_column: str | None
    has_amounts: bool
    rows: Callable[[Mapping[str, Any]], list[Any]]
    flatten: Callable[[list[Any], str, ReportWindow, Mapping[str, Any]], pd.DataFrame]


def _report_rows(results: Mapping[str, Any]) -> list[Any]:
    return list(results.get("report") or [])


def _summary_groups(results: Mapping[str, Any]) -> list[Any]:
    return list((results.get("report") or {}).get("groups") or [])


def _summary_param(body: Mapping[str, Any], name: str) -> str | None:
    """The grouping the response says it used: the request's parameter, else the saved report's."""
    for params in (body.get("input_params"), body.get("saved_params")):
        if isinstance(params, Mapping) and params.get(name):
            return str(params[name])
    return None


KINDS: dict[str, ReportKind] = {
    "detailed": ReportKind(
        "detailed", "detailed_results", tables.REPORT_TIME_ENTRIES, "entry_date", True, _report_rows,
        lambda rows, key, window, body: flatten_time_entries(rows, key),
    ),
    "weekly": ReportKind(
        "weekly", "weekly_results", tables.REPORT_WEEKLY, "day", True, _report_rows,
        lambda rows, key, window, body: flatten_weekly(rows, key, window.start, window.end),
    ),
    "summary": ReportKind(
        "summary", "summary_results", tables.REPORT_SUMMARY, None, False, _summary_groups,
        lambda groups, key, window, body: flatten_summary(
            groups, key, window.start, window.end,
            grouping=_summary_param(body, "grouping"), sub_grouping=_summary_param(body, "sub_grouping"),
        ),
    ),
}
"""Report types by name, as Toggl's `report_type` says."""


@dataclass
class SharedReportLoad:
    """The outcome of loading one report over one range."""

    report_key: str
    report_type: str | None = None
    rows_table: str | None = None
    window_start: date | None = None
    window_end: date | None = None
    pages: int = 0
    raw_responses_stored: int = 0
    api_requests: int = 0
    windows: list[WindowTotals] = field(default_factory=list)
    rows: LoadStats | None = None  # changes to `rows_table`, the report type's own table
    table_stats: dict[str, LoadStats] = field(default_factory=dict)

    def add_stats(self, table: str, stats: LoadStats) -> None:
        previous = self.table_stats.get(table)
        self.table_stats[table] = previous + stats if previous else stats


def load_shared_report(
    client: TogglClient,
    engine: sa.Engine,
    report: SharedReportRef,
    start: date,
    end: date,
    *,
    page_size: int = 1000,
    params: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> SharedReportLoad:
    """Fetch `report` for [start, end] and replace that window of its tables, in one transaction.

    Args:
        client: the Toggl client (paging, retries and range splits happen there).
        engine: the warehouse engine (migrations already applied).
        report: the shared report (key and secret token).
        start: first date of the window (a partition key).
        end: last date of the window, inclusive.
        page_size: rows per page asked of Toggl.
        params: extra body parameters (filters) for the report.
        run_id: Dagster run id, recorded with the raw responses.
    """
    outcome = SharedReportLoad(report_key=report.key)
    requests_before = client.requests_sent
    with engine.begin() as conn:
        kind: ReportKind | None = None
        ranged: WindowLoad | None = None  # the range-replaced rows table (detailed, weekly)
        dictionaries: dict[str, dict[str, Any]] = {}
        for window in client.shared_report_windows(report, start, end, page_size=page_size, params=params):
            first = next(window.pages)  # the client yields a window once its first page is in
            if kind is None:
                kind = _report_kind(first.body, report.key)
                outcome.report_type, outcome.rows_table = kind.name, kind.spec.qualified_name
                ranged = WindowLoad(conn, kind.spec, window=None) if kind.date_column else None
            pages = itertools.chain([first], window.pages)
            outcome.windows.append(_load_window(conn, kind, ranged, window, pages, report.key, dictionaries, outcome, run_id))
        if kind is None or not outcome.windows:
            raise TogglResponseError(f"shared report '{report.key}': Toggl served no window for {start}..{end}")
        outcome.window_start = min(w.window_start for w in outcome.windows)
        outcome.window_end = max(w.window_end for w in outcome.windows)
        if ranged is not None:
            ranged.window = Window(
                equals={"report_key": report.key}, date_column=kind.date_column,
                start=outcome.window_start, end=outcome.window_end,
            )
            outcome.add_stats(kind.spec.qualified_name, ranged.merge())
        outcome.rows = outcome.table_stats[kind.spec.qualified_name]
        for name, frame in flatten_dictionaries(dictionaries).items():
            dimension = WindowLoad(conn, tables.DIMENSION_TABLES[name], window=None)
            dimension.stage(frame)
            outcome.table_stats[tables.DIMENSION_TABLES[name].qualified_name] = dimension.merge()
    outcome.api_requests = client.requests_sent - requests_before
    return outcome


def _load_window(
    conn: sa.Connection,
    kind: ReportKind,
    ranged: WindowLoad | None,
    window: ReportWindow,
    pages: Iterable[ReportPage],
    report_key: str,
    dictionaries: dict[str, dict[str, Any]],
    outcome: SharedReportLoad,
    run_id: str | None,
) -> WindowTotals:
    """Stage every page of one served window; replace that window's totals, graph and rates (and summary rows)."""
    totals: Mapping[str, Any] | None = None
    seconds = cents = 0
    snapshot = Window(equals={"report_key": report_key, "window_start": window.start, "window_end": window.end})
    collected: list[Any] = []  # rows of a per-window table, flattened once all pages are in
    body: Mapping[str, Any] = {}
    for page in pages:
        body = page.body
        rows, page_totals = _results(page, kind, report_key)
        outcome.pages += 1
        outcome.raw_responses_stored += land_received(
            conn, page.response, source=SOURCE, report_key=report_key, window_start=window.requested_start,
            window_end=window.requested_end, page_number=page.page_number, body_json=page.body, run_id=run_id,
        )
        if ranged is not None:
            frame = kind.flatten(rows, report_key, window, body)
            ranged.stage(frame)
            seconds += int(frame["seconds"].sum())
            cents += int(frame["billable_amount_in_cents"].sum()) if kind.has_amounts else 0
        else:
            collected.extend(rows)
        totals = totals or page_totals
        _merge_dictionaries(dictionaries, page.body.get("dictionaries") or {})
    if ranged is None:
        frame = kind.flatten(collected, report_key, window, body)
        load = WindowLoad(conn, kind.spec, window=snapshot)
        load.stage(frame)
        outcome.add_stats(kind.spec.qualified_name, load.merge())
        seconds += int(frame["seconds"].sum())
    frames = flatten_totals(dict(totals or {}), report_key, window.start, window.end)
    for spec, frame in ((tables.REPORT_TOTALS, frames.totals), (tables.REPORT_TOTALS_GRAPH, frames.graph), (tables.REPORT_RATES, frames.rates)):
        load = WindowLoad(conn, spec, window=snapshot)
        load.stage(frame)
        outcome.add_stats(spec.qualified_name, load.merge())
    return WindowTotals(
        window_start=window.start,
        window_end=window.end,
        toggl_seconds=int((totals or {}).get("seconds") or 0),
        toggl_billable_amount_in_cents=int((totals or {}).get("billable_amount_in_cents") or 0),
        loaded_seconds=seconds,
        loaded_billable_amount_in_cents=cents if kind.has_amounts else None,
    )


def _report_kind(body: Mapping[str, Any], report_key: str) -> ReportKind:
    """The report type of a response: its `report_type`, else the one result object it carries."""
    declared = body.get("report_type")
    if declared in KINDS:
        return KINDS[declared]
    carried = [kind for kind in KINDS.values() if isinstance(body.get(kind.results_key), Mapping)]
    if declared is None and len(carried) == 1:
        return carried[0]
    what = f"a {declared!r} report" if declared else "a response without report_type or a result object"
    raise TogglResponseError(
        f"shared report '{report_key}' is {what}; toggl-warehouse loads detailed, summary and weekly shared reports"
    )


def _results(page: ReportPage, kind: ReportKind, report_key: str) -> tuple[list[Any], Mapping[str, Any] | None]:
    """The rows and totals of a page of a `kind` report."""
    results = page.body.get(kind.results_key)
    if not isinstance(results, Mapping):
        raise TogglResponseError(
            f"shared report '{report_key}': a page of this {kind.name} report carries no {kind.results_key} object"
        )
    return kind.rows(results), results.get("totals")


def _merge_dictionaries(into: dict[str, dict[str, Any]], dictionaries: Mapping[str, Any]) -> None:
    """Union the dictionaries of several pages, keyed by table name then id."""
    for name, entries in dictionaries.items():
        if name == "filters" or not entries:
            continue
        bucket = into.setdefault(name, {})
        items = entries.items() if isinstance(entries, Mapping) else ((str(e.get("id")), e) for e in entries if isinstance(e, Mapping))
        for key, value in items:
            bucket[str(key)] = value
