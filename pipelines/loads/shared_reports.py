"""Load one shared report over a date range: fetch pages -> land raw -> flatten -> replace the window.

Everything happens in ONE database transaction: each page is landed in `toggl_raw` and its time entries
are COPYed into a staging table as it arrives (memory does not grow with the range); at the end the
window is replaced with one set-based merge, the totals of each served window are checked against the
time entries just staged, and the dictionaries are upserted into the dimension tables. Any failure —
HTTP, parsing, a bad row, a lost connection — rolls everything back and leaves the warehouse as it was.
No Dagster here: the asset in `pipelines.assets.shared_reports` is a thin wrapper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
from pipelines.transform.totals import flatten_totals
from pipelines.warehouse import tables
from pipelines.warehouse.loader import LoadStats, Window, WindowLoad
from pipelines.warehouse.raw import land_received

SOURCE = "shared_report"


@dataclass(frozen=True)
class WindowTotals:
    """What Toggl's totals said for one served window, beside what the time entries add up to."""

    window_start: date
    window_end: date
    toggl_seconds: int
    toggl_billable_amount_in_cents: int
    entries_seconds: int
    entries_billable_amount_in_cents: int

    @property
    def agrees(self) -> bool:
        """True when the entries add up to Toggl's totals to the second and the cent."""
        return (self.toggl_seconds, self.toggl_billable_amount_in_cents) == (
            self.entries_seconds,
            self.entries_billable_amount_in_cents,
        )


@dataclass
class SharedReportLoad:
    """The outcome of loading one report over one range."""

    report_key: str
    report_type: str | None = None
    window_start: date | None = None
    window_end: date | None = None
    pages: int = 0
    raw_responses_stored: int = 0
    api_requests: int = 0
    windows: list[WindowTotals] = field(default_factory=list)
    time_entries: LoadStats | None = None
    table_stats: dict[str, LoadStats] = field(default_factory=dict)

    @property
    def totals_agree(self) -> bool:
        """True when every served window's entries add up to Toggl's totals."""
        return all(window.agrees for window in self.windows)


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
        entries = WindowLoad(conn, tables.REPORT_TIME_ENTRIES, window=None)
        dictionaries: dict[str, dict[str, Any]] = {}
        for window in client.shared_report_windows(report, start, end, page_size=page_size, params=params):
            outcome.windows.append(_load_window(conn, window, report.key, entries, dictionaries, outcome, run_id))
        outcome.window_start = min(w.window_start for w in outcome.windows)
        outcome.window_end = max(w.window_end for w in outcome.windows)
        entries.window = Window(
            equals={"report_key": report.key}, date_column="entry_date", start=outcome.window_start, end=outcome.window_end
        )
        outcome.time_entries = entries.merge()
        outcome.table_stats[tables.REPORT_TIME_ENTRIES.qualified_name] = outcome.time_entries
        for name, frame in flatten_dictionaries(dictionaries).items():
            dimension = WindowLoad(conn, tables.DIMENSION_TABLES[name], window=None)
            dimension.stage(frame)
            outcome.table_stats[tables.DIMENSION_TABLES[name].qualified_name] = dimension.merge()
    outcome.api_requests = client.requests_sent - requests_before
    return outcome


def _load_window(
    conn: sa.Connection,
    window: ReportWindow,
    report_key: str,
    entries: WindowLoad,
    dictionaries: dict[str, dict[str, Any]],
    outcome: SharedReportLoad,
    run_id: str | None,
) -> WindowTotals:
    """Stage every page of one served window; replace that window's totals, graph and rates."""
    totals: Mapping[str, Any] | None = None
    seconds = cents = 0
    for page in window.pages:
        rows, page_totals = _detailed_results(page, report_key)
        outcome.report_type = page.body.get("report_type") or outcome.report_type
        outcome.pages += 1
        outcome.raw_responses_stored += land_received(
            conn, page.response, source=SOURCE, report_key=report_key, window_start=window.requested_start,
            window_end=window.requested_end, page_number=page.page_number, body_json=page.body, run_id=run_id,
        )
        frame = flatten_time_entries(rows, report_key)
        entries.stage(frame)
        seconds += int(frame["seconds"].sum())
        cents += int(frame["billable_amount_in_cents"].sum())
        totals = totals or page_totals
        _merge_dictionaries(dictionaries, page.body.get("dictionaries") or {})
    frames = flatten_totals(dict(totals or {}), report_key, window.start, window.end)
    snapshot = Window(equals={"report_key": report_key, "window_start": window.start, "window_end": window.end})
    for spec, frame in ((tables.REPORT_TOTALS, frames.totals), (tables.REPORT_TOTALS_GRAPH, frames.graph), (tables.REPORT_RATES, frames.rates)):
        load = WindowLoad(conn, spec, window=snapshot)
        load.stage(frame)
        stats = load.merge()
        previous = outcome.table_stats.get(spec.qualified_name)
        outcome.table_stats[spec.qualified_name] = previous + stats if previous else stats
    return WindowTotals(
        window_start=window.start,
        window_end=window.end,
        toggl_seconds=int((totals or {}).get("seconds") or 0),
        toggl_billable_amount_in_cents=int((totals or {}).get("billable_amount_in_cents") or 0),
        entries_seconds=seconds,
        entries_billable_amount_in_cents=cents,
    )


def _detailed_results(page: ReportPage, report_key: str) -> tuple[list[dict[str, Any]], Mapping[str, Any] | None]:
    """The rows and totals of a detailed report page; other report types are refused by name."""
    results = page.body.get("detailed_results")
    if not isinstance(results, dict):
        kind = page.body.get("report_type") or next(
            (key.removesuffix("_results") for key in ("summary_results", "weekly_results") if page.body.get(key)), "unknown"
        )
        raise TogglResponseError(
            f"shared report '{report_key}' is a {kind} report; this version loads detailed shared reports only"
        )
    return list(results.get("report") or []), results.get("totals")


def _merge_dictionaries(into: dict[str, dict[str, Any]], dictionaries: Mapping[str, Any]) -> None:
    """Union the dictionaries of several pages, keyed by table name then id."""
    for name, entries in dictionaries.items():
        if name == "filters" or not entries:
            continue
        bucket = into.setdefault(name, {})
        items = entries.items() if isinstance(entries, Mapping) else ((str(e.get("id")), e) for e in entries if isinstance(e, Mapping))
        for key, value in items:
            bucket[str(key)] = value
