"""Load a stored, complete fetch of a shared report: flatten its pages and replace its windows in ONE transaction.

The report's type decides where its rows go: detailed time entries to `toggl.report_time_entries` and
weekly per-day values to `toggl.report_weekly`, both replaced over the fetch's whole served range;
summary groups to `toggl.report_summary`, per served window like the totals. Pages are read back from
`toggl_raw` one at a time and COPYed into staging tables (memory does not grow with the range); then the
totals gate compares the staged rows with Toggl's totals of every window, and only then are the tables
replaced (one set-based merge each) and the dictionaries upserted. No network inside the transaction.

One set of totals per date: `report_totals`, `report_totals_graph`, `report_rates` and `report_summary`
hold one row set per fetched window, and loading a window first removes every stored window of the report
that overlaps it — so for any date, the windows that cover it never overlap and the latest load wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from psycopg import sql

from pipelines.check.gate import (
    FetchRefused,
    ServedWindow,
    WindowTotals,
    check_totals,
    require_complete,
    require_same_totals,
)
from pipelines.extract.raw import mark_loaded, page_index, read_fetch, stored_pages
from pipelines.load.window import LoadStats, Window, WindowLoad
from pipelines.transform.amounts import amounts_hidden
from pipelines.transform.detailed import flatten_time_entries
from pipelines.transform.dictionaries import flatten_dictionaries
from pipelines.transform.report_shape import ReportShapeError, page_rows, page_totals
from pipelines.transform.summary import flatten_summary
from pipelines.transform.totals import flatten_totals
from pipelines.transform.weekly import flatten_weekly
from pipelines.warehouse import tables

PER_WINDOW_TABLES = (tables.REPORT_TOTALS, tables.REPORT_TOTALS_GRAPH, tables.REPORT_RATES, tables.REPORT_SUMMARY)
"""Tables holding one row set per fetched window: a load removes the stored windows its windows overlap."""


@dataclass(frozen=True)
class ReportKind:
    """How one report type reaches the warehouse.

    `flatten(rows, report_key, window, body)` turns rows of a served window (one page's, or all pages' when
    `date_column` is None) into a frame of `spec`. With a `date_column` the table is replaced over the whole
    served range in one merge; without one it is replaced per served window. `has_amounts`: its rows carry
    billable cents to compare with the totals.
    """

    name: str
    spec: tables.TableSpec
    date_column: str | None
    has_amounts: bool
    flatten: Callable[[list[Any], str, ServedWindow, Mapping[str, Any]], pd.DataFrame]


def _summary_param(body: Mapping[str, Any], name: str) -> str | None:
    """The grouping the response says it used: the request's parameter, else the saved report's."""
    for params in (body.get("input_params"), body.get("saved_params")):
        if isinstance(params, Mapping) and params.get(name):
            return str(params[name])
    return None


KINDS: dict[str, ReportKind] = {
    "detailed": ReportKind(
        "detailed", tables.REPORT_TIME_ENTRIES, "entry_date", True,
        lambda rows, key, window, body: flatten_time_entries(rows, key, amounts_hidden=amounts_hidden(body)),
    ),
    "weekly": ReportKind(
        "weekly", tables.REPORT_WEEKLY, "day", True,
        lambda rows, key, window, body: flatten_weekly(rows, key, window.start, window.end, amounts_hidden=amounts_hidden(body)),
    ),
    "summary": ReportKind(
        "summary", tables.REPORT_SUMMARY, None, False,
        lambda groups, key, window, body: flatten_summary(
            groups, key, window.start, window.end,
            grouping=_summary_param(body, "grouping"), sub_grouping=_summary_param(body, "sub_grouping"),
            amounts_hidden=amounts_hidden(body),
        ),
    ),
}
"""Report types by name, as Toggl's `report_type` says."""


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
        _name_fetch_for_the_change_log(conn, fetch_id)
        fetch = read_fetch(conn, fetch_id)
        windows = require_complete(fetch, page_index(conn, fetch_id))
        what = f"{fetch.subject.describe()}, fetch {fetch_id}"
        kind = KINDS.get(fetch.report_type or "")
        if kind is None:
            raise FetchRefused(
                f"{what} is a {fetch.report_type!r} report; toggl-warehouse loads detailed, summary and weekly shared reports"
            )
        key = fetch.subject.report_key
        outcome = SharedReportLoad(
            report_key=key, fetch_id=fetch_id, report_type=kind.name, rows_table=kind.spec.qualified_name,
            window_start=min(w.start for w in windows), window_end=max(w.end for w in windows),
        )
        staged = _stage_fetch(conn, kind, windows, fetch_id, key, what, outcome)
        outcome.warnings += check_totals(outcome.windows, mode=totals_gate, what=what)
        _replace(conn, kind, staged, outcome, key)
        outcome.entry_changes = _entry_changes(conn, fetch_id)
        mark_loaded(conn, fetch_id)
    return outcome


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


@dataclass
class _Staged:
    """What a fetch staged before the gate: the range-replaced rows, and per-window frames."""

    ranged: WindowLoad | None
    per_window: list[tuple[ServedWindow, dict[tables.TableSpec, pd.DataFrame]]] = field(default_factory=list)
    dictionaries: dict[str, dict[str, Any]] = field(default_factory=dict)


def _stage_fetch(conn, kind, windows, fetch_id, key, what, outcome) -> _Staged:
    """Read every page once: stage range rows, collect per-window frames, sum what the gate compares."""
    staged = _Staged(ranged=WindowLoad(conn, kind.spec, window=None) if kind.date_column else None)
    pages = stored_pages(conn, fetch_id)
    for window in windows:
        seconds = cents = 0
        collected: list[Any] = []
        first_totals: Mapping[str, Any] | None = None
        hidden = False
        body: Mapping[str, Any] = {}
        for _ in range(window.pages):
            page = next(pages)
            body = page.body_json
            where = f"{what}, page {page.page_number} of {window.start}..{window.end}"
            try:
                rows, totals = page_rows(body, kind.name), page_totals(body, kind.name)
            except ReportShapeError as exc:
                raise FetchRefused(f"{where}: {exc}") from None
            if first_totals is None:
                first_totals, hidden = totals, amounts_hidden(body)
            else:
                require_same_totals(first_totals, totals, what=where, page_number=page.page_number)
            _merge_dictionaries(staged.dictionaries, body.get("dictionaries") or {})
            outcome.pages += 1
            if staged.ranged is None:
                collected.extend(rows)
                continue
            frame = _flatten(kind, rows, key, window, body, where)
            staged.ranged.stage(frame)
            seconds += int(frame["seconds"].sum())
            if kind.has_amounts and not hidden:
                cents += int(frame["billable_amount_in_cents"].sum())
            for day, count in frame[kind.date_column].value_counts().items():
                outcome.rows_by_date[day] = outcome.rows_by_date.get(day, 0) + int(count)
        frames = flatten_totals(dict(first_totals or {}), key, window.start, window.end, amounts_hidden=hidden)
        per_window = {tables.REPORT_TOTALS: frames.totals, tables.REPORT_TOTALS_GRAPH: frames.graph,
                      tables.REPORT_RATES: frames.rates}
        if staged.ranged is None:
            frame = _flatten(kind, collected, key, window, body, f"{what}, window {window.start}..{window.end}")
            per_window[kind.spec] = frame
            seconds += int(frame["seconds"].sum())
        staged.per_window.append((window, per_window))
        compare_cents = kind.has_amounts and not hidden
        outcome.windows.append(WindowTotals(
            window_start=window.start,
            window_end=window.end,
            toggl_seconds=_int((first_totals or {}).get("seconds")),
            toggl_billable_amount_in_cents=_int((first_totals or {}).get("billable_amount_in_cents")) if compare_cents else None,
            loaded_seconds=seconds,
            loaded_billable_amount_in_cents=cents if compare_cents else None,
        ))
    return staged


def _replace(conn, kind: ReportKind, staged: _Staged, outcome: SharedReportLoad, key: str) -> None:
    """The gate passed: replace the range, the per-window tables and the dimensions."""
    if staged.ranged is not None:
        staged.ranged.window = Window(equals={"report_key": key}, date_column=kind.date_column,
                                      start=outcome.window_start, end=outcome.window_end)
        outcome.add_stats(kind.spec.qualified_name, staged.ranged.merge())
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


def _flatten(kind: ReportKind, rows: list[Any], key: str, window: ServedWindow, body: Mapping[str, Any], where: str) -> pd.DataFrame:
    """Flatten rows, naming the page when a row is malformed."""
    try:
        return kind.flatten(rows, key, window, body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FetchRefused(f"{where}: a row cannot be read ({type(exc).__name__}: {exc}); nothing was replaced") from None


def _merge_dictionaries(into: dict[str, dict[str, Any]], dictionaries: Mapping[str, Any]) -> None:
    """Union the dictionaries of several pages, keyed by table name then id."""
    if not isinstance(dictionaries, Mapping):
        return
    for name, entries in dictionaries.items():
        if name == "filters" or not entries:
            continue
        bucket = into.setdefault(name, {})
        items = entries.items() if isinstance(entries, Mapping) else ((str(e.get("id")), e) for e in entries if isinstance(e, Mapping))
        for key, value in items:
            bucket[str(key)] = value


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
