"""The gate between a stored fetch and the warehouse: complete, well-shaped, and adding up to Toggl's totals.

`require_complete` reads only the page index (no bodies): the fetch completed, each window's pages are
numbered 1..n with paging ended the way Toggl said (no `X-Next-*` cursor header on the last page), every page
was read as a report of its type, and the windows tile the requested range. `check_totals` compares, per
served window, the rows the load staged with Toggl's own totals — seconds, and billable cents where the
report carries amounts — before anything is replaced. In "warn" mode (TOGGL_TOTALS_GATE=warn, for
workspaces whose rounding settings make Toggl's totals differ from the entries) a disagreement is
returned as a warning instead of refusing the load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from toggl_warehouse.extract.raw import Fetch, StoredPage

GATE_MODES = ("error", "warn")


class FetchRefused(RuntimeError):
    """A fetch that must not be loaded; the one-line message says why and what to do. Nothing was replaced."""


@dataclass(frozen=True)
class ServedWindow:
    """A window of a fetch as Toggl served it, and how many pages it has."""

    requested_start: date
    requested_end: date
    start: date
    end: date
    pages: int


@dataclass(frozen=True)
class WindowTotals:
    """What Toggl's totals said for one served window, beside what the staged rows add up to.

    A `loaded_billable_amount_in_cents` of None means cents are not compared: the report type's rows carry
    no amounts (summary), or the saved report hides amounts.
    """

    window_start: date
    window_end: date
    toggl_seconds: int
    toggl_billable_amount_in_cents: int | None
    loaded_seconds: int
    loaded_billable_amount_in_cents: int | None

    @property
    def agrees(self) -> bool:
        """True when the rows add up to Toggl's totals to the second (and the cent, where compared)."""
        cents_agree = (self.loaded_billable_amount_in_cents is None
                       or self.loaded_billable_amount_in_cents == self.toggl_billable_amount_in_cents)
        return self.loaded_seconds == self.toggl_seconds and cents_agree

    def describe(self) -> str:
        """`2026-01-01..2026-01-31: rows 3600 s / 500 c, Toggl 7200 s / 1000 c`."""
        loaded = f"{self.loaded_seconds} s" + ("" if self.loaded_billable_amount_in_cents is None else f" / {self.loaded_billable_amount_in_cents} c")
        toggl = f"{self.toggl_seconds} s" + ("" if self.loaded_billable_amount_in_cents is None else f" / {self.toggl_billable_amount_in_cents} c")
        return f"{self.window_start}..{self.window_end}: rows {loaded}, Toggl {toggl}"


def require_complete(fetch: Fetch, pages: Sequence[StoredPage]) -> list[ServedWindow]:
    """The served windows of a complete, well-paged fetch; FetchRefused otherwise."""
    what = f"{fetch.subject.describe()}, fetch {fetch.fetch_id} of {fetch.requested_start}..{fetch.requested_end}"
    if fetch.status != "complete":
        reason = f": {fetch.error}" if fetch.error else ""
        raise FetchRefused(f"{what} is {fetch.status}{reason}; nothing was loaded")
    if not pages:
        raise FetchRefused(f"{what} has no pages; nothing was loaded")
    windows: list[ServedWindow] = []
    for group in _by_window(pages):
        first, last = group[0], group[-1]
        where = f"{what}, window {first.served_start}..{first.served_end}"
        numbers = [page.page_number for page in group]
        if numbers != list(range(1, len(group) + 1)):
            raise FetchRefused(f"{where}: pages {numbers} are not numbered 1..{len(group)}; fetch it again")
        unread = [page.page_number for page in group if page.row_count is None]
        if unread:
            raise FetchRefused(f"{where}: page {unread[0]} could not be read as a report; fetch it again")
        cut = [page.page_number for page in group[:-1] if not page.has_next]
        if cut:
            raise FetchRefused(f"{where}: page {cut[0]} said it was the last, yet more pages follow; fetch it again")
        if last.has_next and last.row_count:
            raise FetchRefused(f"{where}: Toggl announced page {last.page_number + 1} (X-Next-*) but it was never fetched; fetch it again")
        windows.append(ServedWindow(first.window_start, first.window_end, first.served_start, first.served_end, len(group)))
    _require_tiling(windows, fetch, what)
    return windows


def check_totals(windows: Sequence[WindowTotals], *, mode: str, what: str) -> list[str]:
    """Refuse (mode "error") or warn about (mode "warn") windows whose rows do not add up to Toggl's totals."""
    if mode not in GATE_MODES:
        raise ValueError(f"totals gate mode must be one of {', '.join(GATE_MODES)}, got {mode!r}")
    disagreements = [window.describe() for window in windows if not window.agrees]
    if not disagreements:
        return []
    if mode == "warn":
        return [f"{what}: rows do not add up to Toggl's totals (loaded anyway, TOGGL_TOTALS_GATE=warn): {'; '.join(disagreements)}"]
    raise FetchRefused(
        f"{what}: rows do not add up to Toggl's totals ({'; '.join(disagreements)}); nothing was replaced. "
        "Fetch again; if Toggl's rounding settings explain it, set TOGGL_TOTALS_GATE=warn"
    )


def require_same_totals(first: Mapping[str, Any], page: Mapping[str, Any], *, what: str, page_number: int) -> None:
    """Every page of a window carries the window's totals; different totals mean the data changed while paging."""
    if dict(first) != dict(page):
        raise FetchRefused(
            f"{what}: page {page_number} carries other totals than page 1 (the report changed while it was being paged, "
            "e.g. between a failed fetch and its resume); nothing was replaced. Fetch it again"
        )


def _by_window(pages: Sequence[StoredPage]) -> list[list[StoredPage]]:
    """Consecutive pages grouped by their requested window."""
    groups: list[list[StoredPage]] = []
    for page in pages:
        if groups and (groups[-1][0].window_start, groups[-1][0].window_end) == (page.window_start, page.window_end):
            groups[-1].append(page)
        else:
            groups.append([page])
    return groups


def _require_tiling(windows: Sequence[ServedWindow], fetch: Fetch, what: str) -> None:
    """The requested windows cover the requested range, in order, without gap or overlap (a report saved with
    a fixed date range is served its own dates in one window: that is complete too)."""
    fixed = len(windows) == 1 and (windows[0].start, windows[0].end) != (windows[0].requested_start, windows[0].requested_end)
    if fixed:
        return
    expected = fetch.requested_start
    for window in windows:
        if window.requested_start != expected:
            raise FetchRefused(f"{what}: the windows leave out or repeat days before {window.requested_start}; fetch it again")
        expected = window.requested_end + timedelta(days=1)
    if expected != fetch.requested_end + timedelta(days=1):
        raise FetchRefused(f"{what}: the pages stop at {expected - timedelta(days=1)}; fetch it again")
