"""The registry of shared report types: each type Toggl answers with (detailed, summary, weekly) is ONE entry here.

An entry (`ReportKind`) says where Toggl puts the type's rows in a page (`results_key`, `rows_path`), the
table its rows go to, whether that table is replaced over the fetch's whole served range (a date column) or
per served window, whether its rows carry billable cents for the totals gate, and the flattener that turns
a page's rows into that table's rows. Everything else follows from `KINDS`: the page shape
(`transform.report_shape`), the tables a shared report asset writes (`SHARED_REPORT_TABLES`, used by the asset
specs and their lineage in `assets`), which tables are replaced per window (`PER_WINDOW_TABLES`, used by
`load.shared_reports`). README "Adding a report type" walks through adding one. Flattening errors name the
page and become `FetchRefused`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from toggl_warehouse.check.gate import FetchRefused, ServedWindow
from toggl_warehouse.transform.amounts import amounts_hidden
from toggl_warehouse.transform.detailed import TimeEntryRecords, time_entry_records
from toggl_warehouse.transform.summary import flatten_summary
from toggl_warehouse.transform.weekly import flatten_weekly
from toggl_warehouse.warehouse import tables


@dataclass(frozen=True)
class ReportKind:
    """How one report type reaches the warehouse.

    `name` is Toggl's `report_type`; a page carries its result object under `results_key`, and the rows at
    `rows_path` inside it (a JSON list; an absent or null step reads as no rows).
    Each kind has one flattener: `flatten(rows, report_key, window, body)` turns rows of a served window (one
    page's, or all pages' when `date_column` is None) into a frame of `spec`; or, for the detailed report whose
    pages are the big ones, `records(rows, report_key, body)` turns one page's rows into COPY-ready tuples and
    their sums, with no DataFrame (a third of the time, `bench/bench_flatten.py`). With a `date_column` the
    table is replaced over the whole served range in one merge; without one it is replaced per served window.
    `has_amounts`: its rows carry billable cents to compare with the totals.
    """

    name: str
    results_key: str
    rows_path: tuple[str, ...]
    spec: tables.TableSpec
    date_column: str | None
    has_amounts: bool
    flatten: Callable[[list[Any], str, ServedWindow, Mapping[str, Any]], pd.DataFrame] | None = None
    records: Callable[[list[Any], str, Mapping[str, Any]], TimeEntryRecords] | None = None

    def __post_init__(self) -> None:
        if (self.flatten is None) == (self.records is None):
            raise ValueError(f"report kind {self.name!r}: give exactly one of flatten and records")
        if self.records is not None and self.date_column is None:
            raise ValueError(f"report kind {self.name!r}: records are staged page by page, which needs a date_column")


def _summary_param(body: Mapping[str, Any], name: str) -> str | None:
    """The grouping the response says it used: the request's parameter, else the saved report's."""
    for params in (body.get("input_params"), body.get("saved_params")):
        if isinstance(params, Mapping) and params.get(name):
            return str(params[name])
    return None


KINDS: dict[str, ReportKind] = {
    kind.name: kind for kind in (
        ReportKind(
            "detailed", "detailed_results", ("report",), tables.REPORT_TIME_ENTRIES, "entry_date", True,
            records=lambda rows, key, body: time_entry_records(rows, key, amounts_hidden=amounts_hidden(body),
                                                               dictionaries=body.get("dictionaries")),
        ),
        ReportKind(
            "summary", "summary_results", ("report", "groups"), tables.REPORT_SUMMARY, None, False,
            lambda groups, key, window, body: flatten_summary(
                groups, key, window.start, window.end,
                grouping=_summary_param(body, "grouping"), sub_grouping=_summary_param(body, "sub_grouping"),
                amounts_hidden=amounts_hidden(body),
            ),
        ),
        ReportKind(
            "weekly", "weekly_results", ("report",), tables.REPORT_WEEKLY, "day", True,
            lambda rows, key, window, body: flatten_weekly(rows, key, window.start, window.end,
                                                           amounts_hidden=amounts_hidden(body)),
        ),
    )
}
"""Report types by name, as Toggl's `report_type` says."""

WINDOW_TABLES: tuple[tables.TableSpec, ...] = (tables.REPORT_TOTALS, tables.REPORT_TOTALS_GRAPH, tables.REPORT_RATES)
"""What every report type writes per served window from Toggl's totals (`transform.totals`)."""

PER_WINDOW_TABLES: tuple[tables.TableSpec, ...] = WINDOW_TABLES + tuple(
    kind.spec for kind in KINDS.values() if kind.date_column is None
)
"""Tables holding one row set per fetched window: a load removes the stored windows its windows overlap."""

SHARED_REPORT_TABLES: tuple[tables.TableSpec, ...] = (
    *(kind.spec for kind in KINDS.values()), *WINDOW_TABLES, *tables.DIMENSION_TABLES.values()
)
"""What a shared report asset may write: the rows table of its report type (Toggl decides), the per-window
totals, graph and rates, and the dimensions from the report's dictionaries."""

def type_names(conjunction: str = "and") -> str:
    """The report types loaded, for messages: "detailed, summary and weekly"."""
    *first, last = KINDS
    return f"{', '.join(first)} {conjunction} {last}" if first else last


def tables_written() -> list[str]:
    """The tables a shared report asset writes, for its metadata: each rows table with its report type."""
    rows = [f"{kind.spec.qualified_name} ({kind.name} reports)" for kind in KINDS.values()]
    dimensions = [spec.table for spec in tables.DIMENSION_TABLES.values()]
    return rows + [spec.qualified_name for spec in WINDOW_TABLES] + [f"toggl.{', '.join(dimensions)}"]


def flatten_page(kind: ReportKind, rows: list[Any], key: str, window: ServedWindow, body: Mapping[str, Any], where: str) -> pd.DataFrame:
    """Flatten rows (kinds with `flatten`), naming the page when a row is malformed."""
    assert kind.flatten is not None
    try:
        return kind.flatten(rows, key, window, body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unreadable(where, exc) from None


def page_records(kind: ReportKind, rows: list[Any], key: str, body: Mapping[str, Any], where: str) -> TimeEntryRecords:
    """COPY-ready rows of one page (kinds with `records`), naming the page when a row is malformed."""
    assert kind.records is not None
    try:
        return kind.records(rows, key, body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unreadable(where, exc) from None


def _unreadable(where: str, exc: Exception) -> FetchRefused:
    return FetchRefused(f"{where}: a row cannot be read ({type(exc).__name__}: {exc}); nothing was replaced")
