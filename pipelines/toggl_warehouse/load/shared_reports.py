"""Load a stored, complete fetch of a shared report: flatten its pages and replace its windows in ONE transaction.

The report's type decides where its rows go (`load.report_kinds`): detailed time entries to
`toggl.report_time_entries` and weekly per-day values to `toggl.report_weekly`, both replaced over the fetch's
whole served range; summary groups to `toggl.report_summary`, per served window like the totals. The pages are
read back from `toggl_raw` one at a time (memory does not grow with the range) and staged
(`load.report_staging`); then the totals gate compares the staged
rows with Toggl's totals of every window, and only then are the tables replaced (one set-based merge
each) and the dictionaries upserted. No network inside the transaction.

One set of totals per date: `report_totals`, `report_totals_graph`, `report_rates` and `report_summary`
hold one row set per fetched window, and loading a window first removes every stored window of the report
that overlaps it — so for any date, the windows that cover it never overlap and the latest load wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from psycopg import sql

from toggl_warehouse.check.gate import FetchRefused, WindowTotals, check_totals, require_complete
from toggl_warehouse.extract.pacing import collector_paused
from toggl_warehouse.extract.raw import mark_loaded, page_index, read_fetch, stored_pages
from toggl_warehouse.load.day_digests import record_day_digests
from toggl_warehouse.load.first_load import name_first_loaded_dates
from toggl_warehouse.load.report_kinds import KINDS, PER_WINDOW_TABLES, ReportKind, type_names
from toggl_warehouse.load.report_staging import PagePlace, PageStaging, StagedFetch
from toggl_warehouse.load.window import LoadStats, OutsideWindowError, Window, WindowLoad
from toggl_warehouse.transform.dictionaries import flatten_dictionaries
from toggl_warehouse.warehouse import tables


@dataclass
class SharedReportLoad:
    """What loading one fetch did."""

    report_key: str
    fetch_id: int
    report_type: str
    rows_table: str
    window_start: date
    window_end: date
    pages: int = 0
    windows: list[WindowTotals] = field(default_factory=list)
    rows: LoadStats | None = None  # changes to `rows_table`, the report type's own table
    table_stats: dict[str, LoadStats] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows_by_date: dict[date, int] = field(default_factory=dict)
    entry_changes: dict[str, int] = field(default_factory=dict)  # insert/update/delete -> count (toggl.time_entry_changes)

    def add_stats(self, table: str, stats: LoadStats) -> None:
        previous = self.table_stats.get(table)
        self.table_stats[table] = previous + stats if previous else stats


def load_shared_report_fetch(engine: sa.Engine, fetch_id: int, *, totals_gate: str = "error") -> SharedReportLoad:
    """Check the stored fetch `fetch_id` and replace its windows, in one transaction.

    Raises:
        FetchRefused: the fetch is incomplete, a page is malformed, or its rows do not add up to Toggl's
            totals (gate mode "error"); the warehouse is left as it was.
    """
    with engine.begin() as conn:
        return _load(conn, fetch_id, totals_gate)


def _load(conn: sa.Connection, fetch_id: int, totals_gate: str) -> SharedReportLoad:
    _name_fetch_for_the_change_log(conn, fetch_id)
    fetch = read_fetch(conn, fetch_id)
    windows = require_complete(fetch, page_index(conn, fetch_id))
    what = f"{fetch.subject.describe()}, fetch {fetch_id}"
    kind = KINDS.get(fetch.report_type or "")
    if kind is None:
        raise FetchRefused(
            f"{what} is a {fetch.report_type!r} report; toggl-warehouse loads {type_names()} shared reports"
        )
    key = fetch.subject.report_key
    outcome = SharedReportLoad(
        report_key=key, fetch_id=fetch_id, report_type=kind.name, rows_table=kind.spec.qualified_name,
        window_start=min(w.start for w in windows), window_end=max(w.end for w in windows),
    )
    staged = _stage_stored_pages(conn, kind, fetch_id, key, what)
    outcome.pages, outcome.windows, outcome.rows_by_date = staged.pages, staged.windows, staged.rows_by_date
    outcome.warnings += check_totals(outcome.windows, mode=totals_gate, what=what)
    name_first_loaded_dates(conn, key, outcome.window_start, outcome.window_end)
    _replace(conn, kind, staged, outcome, key)
    outcome.entry_changes = _entry_changes(conn, fetch_id)
    if staged.ranged is not None:
        record_day_digests(conn, fetch_id, kind.spec.qualified_name, {"report_key": key}, kind.date_column,
                           outcome.window_start, outcome.window_end)
    mark_loaded(conn, fetch_id)
    return outcome


def _stage_stored_pages(conn, kind: ReportKind, fetch_id: int, key: str, what: str) -> StagedFetch:
    """Read every page of the fetch back from toggl_raw once, and stage it."""
    staging = PageStaging(conn, kind, key, what)
    with collector_paused():
        for page in stored_pages(conn, fetch_id):
            place = PagePlace(page.window_start, page.window_end, page.served_start, page.served_end, page.page_number)
            staging.add(place, page.body_json)
    return staging.finish()


def _name_fetch_for_the_change_log(conn, fetch_id: int) -> None:
    """The change-log triggers of toggl.report_time_entries record this fetch id (transaction-local)."""
    conn.connection.driver_connection.execute("SELECT set_config('toggl_warehouse.fetch_id', %s, true)", (str(fetch_id),))


def _entry_changes(conn, fetch_id: int) -> dict[str, int]:
    """The changes this transaction appended to toggl.time_entry_changes, by kind."""
    rows = conn.connection.driver_connection.execute(
        "SELECT change, count(*) FROM toggl.time_entry_changes WHERE fetch_id = %s AND changed_at = now() GROUP BY change",
        (fetch_id,),
    ).fetchall()
    return {change: count for change, count in rows}


def _replace(conn, kind: ReportKind, staged: StagedFetch, outcome: SharedReportLoad, key: str) -> None:
    """The gate passed: replace the range, the per-window tables and the dimensions."""
    if staged.ranged is not None:
        staged.ranged.window = Window(equals={"report_key": key}, date_column=kind.date_column,
                                      start=outcome.window_start, end=outcome.window_end)
        try:
            outcome.add_stats(kind.spec.qualified_name, staged.ranged.merge())
        except OutsideWindowError:
            raise FetchRefused(
                f"shared report '{key}': Toggl served rows dated outside the dates it said it used "
                f"({outcome.window_start}..{outcome.window_end}; a report saved with a fixed date range?); nothing was "
                "replaced. Save the report in Toggl without a fixed date range, or report this answer"
            ) from None
    fetched = [(window.start, window.end) for window, _ in staged.per_window]
    for spec in PER_WINDOW_TABLES:
        deleted = _delete_overlapped_windows(conn, spec, key, fetched)
        if deleted:
            outcome.add_stats(spec.qualified_name, LoadStats(0, 0, 0, deleted, 0))
    for window, frames in staged.per_window:
        snapshot = Window(equals={"report_key": key, "window_start": window.start, "window_end": window.end})
        for spec, frame in frames.items():
            load = WindowLoad(conn, spec, window=snapshot)
            load.stage(frame)
            outcome.add_stats(spec.qualified_name, load.merge())
    outcome.rows = outcome.table_stats.get(kind.spec.qualified_name, LoadStats(0, 0, 0, 0, 0))
    for name, frame in flatten_dictionaries(staged.dictionaries).items():
        dimension = WindowLoad(conn, tables.DIMENSION_TABLES[name], window=None)
        dimension.stage(frame)
        outcome.table_stats[tables.DIMENSION_TABLES[name].qualified_name] = dimension.merge()


def _delete_overlapped_windows(conn, spec: tables.TableSpec, report_key: str, windows: list[tuple[date, date]]) -> int:
    """Remove the stored windows of `report_key` that overlap one of `windows` without being one of them."""
    overlaps = sql.SQL(" OR ").join(
        sql.SQL("(window_start <= %s AND window_end >= %s AND (window_start, window_end) <> (%s::date, %s::date))")
        for _ in windows
    )
    params: list[object] = [report_key]
    for start, end in windows:
        params += [end, start, start, end]
    statement = sql.SQL("DELETE FROM {} WHERE report_key = %s AND ({})").format(
        sql.Identifier(spec.schema, spec.table), overlaps
    )
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount
