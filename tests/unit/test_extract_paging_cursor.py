"""Unit tests of the paging cursor in toggl_warehouse.extract.report_pages, with a scripted Toggl (no network).

Covers: every X-Next-* value Toggl gave is sent back (first_id, first_row_number, first_timestamp); a Toggl
giving only X-Next-Timestamp is followed; a page whose X-Next-* values repeat an earlier page's stops the
fetch in one line (its rows differ, so the cursor is the only sign), before that page is yielded.
"""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from toggl_warehouse.extract.report_pages import RepeatedPageError, ResumePoint, report_pages
from toggl_warehouse.toggl.client import ApiResponse, SharedReportRef

DAY = date(2026, 3, 2)


class ScriptedToggl:
    """Answers each request with the next scripted (first entry id, X-Next-* headers) page."""

    def __init__(self, pages: list[tuple[int, dict[str, str]]]):
        self.pages, self.bodies = pages, []

    def shared_report(self, report, body) -> ApiResponse:
        self.bodies.append(dict(body))
        entry_id, headers = self.pages[len(self.bodies) - 1]
        page = {"report_type": "detailed", "detailed_results": {"totals": {"seconds": 60}, "report": [
            {"user_id": 1, "row_number": 1, "time_entries": [
                {"id": entry_id, "seconds": 60, "start": "2026-03-02T09:00:00+13:00", "stop": None, "at": None}]}]}}
        return ApiResponse("POST", "/reports/api/v3/shared/<report:team>", dict(body), 200, headers,
                           orjson.dumps(page), "application/json")

    def quota_note(self) -> str:
        return ""

    @property
    def log(self):
        import logging

        return logging.getLogger("test")


def pages_of(toggl: ScriptedToggl) -> list:
    return list(report_pages(toggl, SharedReportRef("team", "secret-token"), ResumePoint(DAY), DAY, page_size=50))


def test_every_cursor_value_toggl_gave_is_sent_back() -> None:
    toggl = ScriptedToggl([(1, {"X-Next-ID": "2", "X-Next-Row-Number": "2", "X-Next-Timestamp": "1772395200"}),
                           (2, {"X-Next-Timestamp": "1772395260"}), (3, {})])

    assert [page.page_number for page in pages_of(toggl)] == [1, 2, 3]
    assert [{k: v for k, v in body.items() if k.startswith("first_")} for body in toggl.bodies] == [
        {}, {"first_id": 2, "first_row_number": 2, "first_timestamp": 1772395200}, {"first_timestamp": 1772395260}]


def test_a_cursor_that_does_not_advance_stops_the_fetch_in_one_line() -> None:
    same = {"X-Next-ID": "7", "X-Next-Row-Number": "51", "X-Next-Timestamp": "1772395200"}
    toggl = ScriptedToggl([(1, {"X-Next-ID": "5", "X-Next-Row-Number": "51"}), (5, same), (6, same), (9, {})])
    landed = []

    with pytest.raises(RepeatedPageError) as failure:
        for page in report_pages(toggl, SharedReportRef("team", "secret-token"), ResumePoint(DAY), DAY, page_size=50):
            landed.append(page.page_number)

    assert str(failure.value) == (
        "Toggl repeated page 2 of report 'team' 2026-03-02..2026-03-02 as page 3 (the same paging cursor (X-Next-*)) "
        "although its cursor {'first_id': 7, 'first_row_number': 51, 'first_timestamp': 1772395200} was sent back; "
        "stopped after 3 pages, nothing was loaded"
    )
    assert landed == [1, 2] and len(toggl.bodies) == 3
