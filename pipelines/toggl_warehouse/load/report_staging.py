"""Staging a shared report fetch page by page: rows COPYed into a staging table, and what the gate compares.

`PageStaging` takes the pages of one fetch in the order they landed, read back from toggl_raw inside the
load's transaction. Each page is checked for shape (its rows and totals where its report type puts them, the
same totals on every page of a window), flattened and COPYed into the staging table of the report type's
rows table, and summed — seconds, and billable cents where the rows carry money — per served window;
dictionaries are merged. `finish` turns the sums into one `WindowTotals` per window for the totals gate and
the per-window tables' frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from toggl_warehouse.check.gate import FetchRefused, ServedWindow, WindowTotals, require_same_totals
from toggl_warehouse.load.report_kinds import WINDOW_TABLES, ReportKind, flatten_page, page_records
from toggl_warehouse.load.window import WindowLoad
from toggl_warehouse.transform.amounts import amounts_hidden
from toggl_warehouse.transform.report_shape import ReportShapeError, page_rows, page_totals
from toggl_warehouse.transform.totals import flatten_totals
from toggl_warehouse.warehouse import tables


@dataclass(frozen=True)
class PagePlace:
    """Where a page sits in its fetch: its requested and served window and its number in that window."""

    window_start: date
    window_end: date
    served_start: date
    served_end: date
    page_number: int


@dataclass
class _WindowSums:
    window: ServedWindow  # `pages` counts the pages seen so far
    seconds: int = 0
    cents: int = 0
    first_totals: Mapping[str, Any] | None = None
    hidden: bool = False
    body: Mapping[str, Any] = field(default_factory=dict)  # the last page's body (per-window kinds)
    collected: list[Any] = field(default_factory=list)  # rows of per-window kinds, flattened at the end


@dataclass
class StagedFetch:
    """What a fetch staged before the gate: the range-replaced rows, per-window frames and the gate's sums."""

    ranged: WindowLoad | None
    windows: list[WindowTotals]
    per_window: list[tuple[ServedWindow, dict[tables.TableSpec, pd.DataFrame]]]
    dictionaries: dict[str, dict[str, Any]]
    rows_by_date: dict[date, int]
    pages: int


class PageStaging:
    """Stages the pages of one fetch of a `kind` report, in the order they landed (see the module doc)."""

    def __init__(self, conn: sa.Connection, kind: ReportKind, report_key: str, what: str):
        self.kind, self.report_key, self.what = kind, report_key, what
        self.ranged = WindowLoad(conn, kind.spec, window=None) if kind.date_column else None
        self.dictionaries: dict[str, dict[str, Any]] = {}
        self.rows_by_date: dict[date, int] = {}
        self.pages = 0
        self._windows: list[_WindowSums] = []

    def add(self, place: PagePlace, body: Any) -> None:
        """Check, flatten, stage and sum one page; FetchRefused names the page when it is malformed."""
        sums = self._window_of(place)
        window, kind = sums.window, self.kind
        where = f"{self.what}, page {place.page_number} of {window.start}..{window.end}"
        try:
            rows, totals = page_rows(body, kind.name), page_totals(body, kind.name)
        except ReportShapeError as exc:
            raise FetchRefused(f"{where}: {exc}") from None
        if sums.first_totals is None:
            sums.first_totals, sums.hidden = totals, amounts_hidden(body)
        else:
            require_same_totals(sums.first_totals, totals, what=where, page_number=place.page_number)
        _merge_dictionaries(self.dictionaries, body.get("dictionaries") or {})
        self.pages += 1
        sums.window = ServedWindow(window.requested_start, window.requested_end, window.start, window.end, window.pages + 1)
        sums.body = body
        if self.ranged is None:
            sums.collected.extend(rows)
        elif kind.records is not None:
            records = page_records(kind, rows, self.report_key, body, where)
            self.ranged.stage_rows(records.rows)
            sums.seconds += records.seconds
            if kind.has_amounts and not sums.hidden:
                sums.cents += records.billable_amount_in_cents or 0
            for day, count in records.rows_by_date.items():
                self.rows_by_date[day] = self.rows_by_date.get(day, 0) + count
        else:
            frame = flatten_page(kind, rows, self.report_key, window, body, where)
            self.ranged.stage(frame)
            sums.seconds += int(frame["seconds"].sum())
            if kind.has_amounts and not sums.hidden:
                cents = frame["billable_amount_in_cents"].sum()
                sums.cents += 0 if pd.isna(cents) else int(cents)
            for day, count in frame[kind.date_column].value_counts().items():
                self.rows_by_date[day] = self.rows_by_date.get(day, 0) + int(count)

    def served_windows(self) -> list[ServedWindow]:
        """The windows staged so far, with their page counts (what `require_complete` finds in the index)."""
        return [sums.window for sums in self._windows]

    def finish(self) -> StagedFetch:
        """The gate's sums per window and the per-window tables' frames."""
        per_window, totals = [], []
        for sums in self._windows:
            window, first = sums.window, dict(sums.first_totals or {})
            frames = flatten_totals(first, self.report_key, window.start, window.end, amounts_hidden=sums.hidden)
            tables_of_window = dict(zip(WINDOW_TABLES, (frames.totals, frames.graph, frames.rates)))
            if self.ranged is None:
                frame = flatten_page(self.kind, sums.collected, self.report_key, window, sums.body,
                                     f"{self.what}, window {window.start}..{window.end}")
                tables_of_window[self.kind.spec] = frame
                sums.seconds += int(frame["seconds"].sum())
            per_window.append((window, tables_of_window))
            compare_cents = self.kind.has_amounts and not sums.hidden
            totals.append(WindowTotals(
                window_start=window.start,
                window_end=window.end,
                toggl_seconds=_int(first.get("seconds")),
                toggl_billable_amount_in_cents=_int(first.get("billable_amount_in_cents")) if compare_cents else None,
                loaded_seconds=sums.seconds,
                loaded_billable_amount_in_cents=sums.cents if compare_cents else None,
            ))
        return StagedFetch(self.ranged, totals, per_window, self.dictionaries, self.rows_by_date, self.pages)

    def _window_of(self, place: PagePlace) -> _WindowSums:
        """The sums of the page's window: the current one, or a new one when the page starts another window."""
        current = self._windows[-1].window if self._windows else None
        if current is None or (current.requested_start, current.requested_end) != (place.window_start, place.window_end):
            self._windows.append(_WindowSums(ServedWindow(place.window_start, place.window_end, place.served_start,
                                                          place.served_end, 0)))
        return self._windows[-1]


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
