"""Unit tests of the check stage without services: page shapes (toggl_warehouse.transform.report_shape) and the gate
(toggl_warehouse.check.gate).

Covers: the report type comes from `report_type`, else from the one result object a response carries; each
malformed shape is named (report an object, an empty object, a string, missing result object, summary groups
not a list, a body that is not an object); the page index of a fetch must be complete (pages numbered 1..n,
paging ended as Toggl said, windows tiling the range, no unread page, status complete); WindowTotals compares
cents only where the rows carry money; the totals gate refuses in "error" mode and warns in "warn" mode.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from toggl_warehouse.check.gate import FetchRefused, WindowTotals, check_totals, require_complete, require_same_totals
from toggl_warehouse.extract.raw import Fetch, FetchSubject, StoredPage
from toggl_warehouse.transform.report_shape import ReportShapeError, page_rows, page_totals, report_type_of

DAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"report_type": "summary", "summary_results": {}}, "summary"),
        ({"report_type": "weekly", "weekly_results": None}, "weekly"),
        ({"report_type": None, "detailed_results": None, "summary_results": None, "weekly_results": {"report": []}}, "weekly"),
        ({"detailed_results": {"report": []}}, "detailed"),
        ({"report_type": "time_audit"}, None),
        ({}, None),
        ({"summary_results": {}, "weekly_results": {}}, None),
        ("report", None),
    ],
)
def test_the_report_type_of_a_page(body, expected) -> None:
    assert report_type_of(body) == expected


@pytest.mark.parametrize(
    ("body", "report_type", "message"),
    [
        ({"detailed_results": {"report": {}}}, "detailed", "detailed_results.report is a JSON object, not a list of rows"),
        ({"detailed_results": {"report": {"a": 1}}}, "detailed", "detailed_results.report is a JSON object, not a list of rows"),
        ({"weekly_results": {"report": "rows"}}, "weekly", "weekly_results.report is a JSON string, not a list of rows"),
        ({"detailed_results": "x"}, "detailed", "detailed_results is a JSON string, not an object"),
        ({"report_type": "detailed"}, "detailed", "detailed_results is missing, not an object"),
        ({"summary_results": {"report": {"groups": {}}}}, "summary", "summary_results.report.groups is a JSON object, not a list"),
        ({"summary_results": {"report": []}}, "summary", "summary_results.report is a JSON array, not an object with groups"),
        ([1, 2], "detailed", "the body is a JSON array, not an object"),
    ],
)
def test_a_malformed_page_is_refused_naming_the_field(body, report_type, message) -> None:
    with pytest.raises(ReportShapeError) as raised:
        page_rows(body, report_type)
    assert str(raised.value) == message


def test_rows_and_totals_of_well_shaped_pages() -> None:
    assert page_rows({"detailed_results": {"report": [{"a": 1}], "totals": {"seconds": 5}}}, "detailed") == [{"a": 1}]
    assert page_rows({"detailed_results": {"report": None}}, "detailed") == []
    assert page_rows({"summary_results": {"report": {"groups": [{"id": 1}]}}}, "summary") == [{"id": 1}]
    assert page_totals({"weekly_results": {"report": [], "totals": {"seconds": 5}}}, "weekly") == {"seconds": 5}
    with pytest.raises(ReportShapeError, match="totals is a JSON array"):
        page_totals({"weekly_results": {"report": [], "totals": []}}, "weekly")


# ---- completeness ---------------------------------------------------------------------------------


def fetch(start=DAY, end=DAY + timedelta(days=9), status="complete", error=None) -> Fetch:
    return Fetch(7, FetchSubject("shared_report", report_key="team"), start, end, status=status, error=error)


def page(window, number, next_row=None, rows=10, served=None, next_timestamp=None) -> StoredPage:
    start, end = window
    served = served or window
    headers = {"X-Next-Row-Number": str(next_row)} if next_row else {}
    if next_timestamp:
        headers["X-Next-Timestamp"] = str(next_timestamp)
    return StoredPage(0, start, end, served[0], served[1], number, headers, rows, next_row, None, None)


FIRST, SECOND = (DAY, DAY + timedelta(days=4)), (DAY + timedelta(days=5), DAY + timedelta(days=9))


def test_a_complete_fetch_gives_its_served_windows() -> None:
    windows = require_complete(fetch(), [page(FIRST, 1, next_row=11), page(FIRST, 2), page(SECOND, 1, rows=0)])
    assert [(w.start, w.end, w.pages) for w in windows] == [(FIRST[0], FIRST[1], 2), (SECOND[0], SECOND[1], 1)]


def test_a_page_announcing_only_a_next_timestamp_is_followed_by_another() -> None:
    windows = require_complete(fetch(), [page(FIRST, 1, next_timestamp=1709585981), page(FIRST, 2), page(SECOND, 1)])
    assert [w.pages for w in windows] == [2, 1]


def test_a_fixed_range_report_served_its_own_dates_is_complete() -> None:
    own = (date(2025, 1, 1), date(2025, 1, 31))
    windows = require_complete(fetch(), [page((DAY, DAY + timedelta(days=9)), 1, served=own)])
    assert [(w.start, w.end) for w in windows] == [own]


@pytest.mark.parametrize(
    ("the_fetch", "pages", "message"),
    [
        (fetch(status="failed", error="quota used up"), [page(FIRST, 1)],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10 is failed: quota used up; nothing was loaded"),
        (fetch(), [],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10 has no pages; nothing was loaded"),
        (fetch(), [page(FIRST, 1, next_row=11), page(SECOND, 1)],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10, window 2026-03-01..2026-03-05: Toggl announced "
         "page 2 (X-Next-*) but it was never fetched; fetch it again"),
        (fetch(), [page(FIRST, 1), page(FIRST, 2), page(SECOND, 1)],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10, window 2026-03-01..2026-03-05: page 1 said it was "
         "the last, yet more pages follow; fetch it again"),
        (fetch(), [page(FIRST, 1, next_row=11), page(FIRST, 3), page(SECOND, 1)],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10, window 2026-03-01..2026-03-05: pages [1, 3] are not "
         "numbered 1..2; fetch it again"),
        (fetch(), [page(FIRST, 1, rows=None), page(SECOND, 1)],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10, window 2026-03-01..2026-03-05: page 1 could not be "
         "read as a report; fetch it again"),
        (fetch(), [page(FIRST, 1)],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10: the pages stop at 2026-03-05; fetch it again"),
        (fetch(), [page(SECOND, 1), page(FIRST, 1)],
         "shared report 'team', fetch 7 of 2026-03-01..2026-03-10: the windows leave out or repeat days before 2026-03-06; fetch it again"),
    ],
)
def test_an_incomplete_fetch_is_refused_in_one_line(the_fetch, pages, message) -> None:
    with pytest.raises(FetchRefused) as raised:
        require_complete(the_fetch, pages)
    assert str(raised.value) == message


# ---- totals ---------------------------------------------------------------------------------------


def test_cents_are_compared_only_when_the_rows_carry_them() -> None:
    assert WindowTotals(DAY, DAY, 60, None, 60, None).agrees
    assert not WindowTotals(DAY, DAY, 60, None, 59, None).agrees
    assert WindowTotals(DAY, DAY, 60, 500, 60, 500).agrees
    assert not WindowTotals(DAY, DAY, 60, 500, 60, 499).agrees


def test_the_gate_refuses_or_warns() -> None:
    good, bad = WindowTotals(DAY, DAY, 60, 500, 60, 500), WindowTotals(DAY, DAY, 9000, 1500, 3600, 500)
    assert check_totals([good], mode="error", what="x") == []
    with pytest.raises(FetchRefused) as raised:
        check_totals([good, bad], mode="error", what="shared report 'team', fetch 3")
    assert str(raised.value) == (
        "shared report 'team', fetch 3: rows do not add up to Toggl's totals (2026-03-01..2026-03-01: rows 3600 s / 500 c, "
        "Toggl 9000 s / 1500 c); nothing was replaced. Fetch again; if Toggl's rounding settings explain it, set TOGGL_TOTALS_GATE=warn"
    )
    assert check_totals([bad], mode="warn", what="r") == [
        "r: rows do not add up to Toggl's totals (loaded anyway, TOGGL_TOTALS_GATE=warn): "
        "2026-03-01..2026-03-01: rows 3600 s / 500 c, Toggl 9000 s / 1500 c"
    ]


def test_pages_of_one_window_must_carry_the_same_totals() -> None:
    require_same_totals({"seconds": 5}, {"seconds": 5}, what="w", page_number=2)
    with pytest.raises(FetchRefused, match="page 2 carries other totals than page 1"):
        require_same_totals({"seconds": 5}, {"seconds": 6}, what="w", page_number=2)
