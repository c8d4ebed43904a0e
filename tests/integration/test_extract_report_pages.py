"""Paging a shared report (toggl_warehouse.extract.report_pages) against the emulator (real HTTP, no database): a window Toggl answers
400 "The report period is not supported" is halved like a "too big" one until it is accepted.

Covers: a weekly report (at most 7 days) over 30 days gives 6 windows in 9 requests (3 refusals: once a
period of 8 days was refused, longer windows are halved without asking again); the windows tile the range;
a single day refused raises a clear error; any other 400 is not split; a detailed report is not split; a fixed-range
report without X-Range-* headers is served its saved dates, or refused in one line when it has none.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from toggl_warehouse.dates import yesterday
from toggl_warehouse.extract.report_pages import ResumePoint, UnknownServedRangeError, report_pages, served_range
from toggl_warehouse.toggl.client import SharedReportRef, TogglClient
from toggl_warehouse.toggl.emulator import Fault
from toggl_warehouse.toggl.errors import TogglBadRequest, TogglPeriodNotSupported
from tests.integration.pipeline_helpers import pages_for

pytestmark = pytest.mark.integration


def client_for(emulator) -> TogglClient:
    return TogglClient(emulator.base_url, api_token=emulator.api_token, min_interval=0)


def windows(client: TogglClient, emulator, key: str, start: date, end: date) -> list[tuple[date, date]]:
    """(start, end) of every served window, in order."""
    served = []
    for page in report_pages(client, SharedReportRef(key, emulator.reports[key].token), ResumePoint(start), end, page_size=1000):
        assert (page.served_start, page.served_end) == (page.window_start, page.window_end)
        if page.page_number == 1:
            served.append((page.served_start, page.served_end))
    return served


def test_a_weekly_report_is_halved_until_toggl_accepts_the_period(shared_emulator):
    end = yesterday("UTC")
    start = end - timedelta(days=29)
    client = client_for(shared_emulator)

    served = windows(client, shared_emulator, "team_weekly", start, end)

    # 30 -> 15 + 15 -> (8 -> 4 + 4) + 7; the second 15 is halved without asking (8 days was refused).
    assert served == [(start + timedelta(days=a), start + timedelta(days=b))
                      for a, b in ((0, 3), (4, 7), (8, 14), (15, 18), (19, 22), (23, 29))]
    assert client.requests_sent == 9  # 3 refused (30, 15 and 8 days) + 6 accepted


def test_a_range_toggl_accepts_is_not_split(shared_emulator):
    end = yesterday("UTC")
    client = client_for(shared_emulator)

    assert windows(client, shared_emulator, "team_weekly", end - timedelta(days=6), end) == [(end - timedelta(days=6), end)]
    assert windows(client, shared_emulator, "team_detailed", end - timedelta(days=29), end) == [(end - timedelta(days=29), end)]
    detailed_rows = len(shared_emulator.report_rows("team_detailed", end - timedelta(days=29), end))
    assert client.requests_sent == 1 + pages_for(shared_emulator, detailed_rows, 1000)  # one weekly, the detailed pages


def test_a_single_day_refused_raises_a_clear_error(emulator):
    emulator.faults.add(Fault(status=400, body='"The report period is not supported"', times=10))
    end = yesterday("UTC")
    client = client_for(emulator)

    with pytest.raises(TogglPeriodNotSupported) as refused:
        windows(client, emulator, "team_weekly", end - timedelta(days=1), end)

    message = str(refused.value)
    assert "shared report 'team_weekly'" in message and f"single day {end - timedelta(days=1)}" in message
    assert "period is not supported" in message and emulator.reports["team_weekly"].token not in message
    assert client.requests_sent == 2  # 2 days refused, then the first day


def test_another_400_is_not_split(emulator):
    emulator.faults.add(Fault(status=400, body='"Invalid parameters"', times=10))
    end = yesterday("UTC")
    client = client_for(emulator)

    with pytest.raises(TogglBadRequest) as refused:
        windows(client, emulator, "team_weekly", end - timedelta(days=29), end)

    assert not isinstance(refused.value, TogglPeriodNotSupported)
    assert "Invalid parameters" in str(refused.value)
    assert client.requests_sent == 1


def test_a_fixed_range_without_range_headers_is_served_its_saved_dates_or_refused_in_one_line() -> None:
    asked = (date(2026, 3, 1), date(2026, 3, 10))
    saved = {"fixed_daterange": True, "saved_params": {"start_date": "2026-01-05", "end_date": "2026-01-18"}}
    assert served_range({}, *asked, saved, "team") == (date(2026, 1, 5), date(2026, 1, 18))
    assert served_range({}, *asked, {"fixed_daterange": False, "saved_params": {}}, "team") == asked
    assert served_range({"X-Range-Start": "2026-02-01", "X-Range-End": "2026-02-03"}, *asked, saved, "team") == (
        date(2026, 2, 1), date(2026, 2, 3))
    with pytest.raises(UnknownServedRangeError) as refusal:
        served_range({}, *asked, {"fixed_daterange": True, "saved_params": {"period": "last_month"}}, "team")
    assert str(refusal.value) == (
        "shared report 'team' is saved with a fixed date range, and Toggl said neither which dates it served (no "
        "X-Range-* headers) nor saved them (no start_date/end_date in saved_params); nothing was loaded. Save the "
        "report in Toggl without a fixed date range (or with explicit dates)"
    )
