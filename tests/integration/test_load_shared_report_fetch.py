"""Loading a stored fetch of a detailed shared report (toggl_warehouse.load.shared_reports) on a real Postgres,
the emulator over real HTTP.

Covers: a fetch of several pages loads exactly the emulator's time entries, every window agreeing with
Toggl's totals, and loading it again changes nothing; a page whose rows cannot be read is refused with one
line naming the fetch, the page and the window, and nothing is loaded.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.check.gate import FetchRefused
from toggl_warehouse.dates import yesterday
from toggl_warehouse.extract.shared_reports import extract_shared_report
from toggl_warehouse.load.shared_reports import load_shared_report_fetch
from toggl_warehouse.toggl.client import SharedReportRef, TogglClient
from toggl_warehouse.toggl.emulator import Fault
from toggl_warehouse.warehouse.migrations import apply_migrations

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]

REPORT = "team_detailed"


def fetch(emulator, engine, start, end, page_size=50):
    client = TogglClient(emulator.base_url, api_token=emulator.api_token, min_interval=0)
    try:
        return extract_shared_report(client, engine, SharedReportRef(REPORT, emulator.reports[REPORT].token), start, end,
                                     page_size=page_size)
    finally:
        client.close()


def loaded_entries(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT count(*), coalesce(sum(seconds), 0) FROM toggl.report_time_entries")).one())


def test_a_fetch_of_several_pages_loads_exactly_the_served_entries(emulator, clean_warehouse):
    apply_migrations(clean_warehouse)
    end = yesterday("UTC")
    start = end - timedelta(days=13)
    fetched = fetch(emulator, clean_warehouse, start, end)
    entries = [e for row in emulator.report_rows(REPORT, start, end) for e in row["time_entries"]]

    loaded = load_shared_report_fetch(clean_warehouse, fetched.fetch_id)

    assert fetched.pages >= 3 and loaded.pages == fetched.pages
    assert loaded.rows.inserted == len(entries) and loaded.rows.updated == loaded.rows.deleted == 0
    assert loaded_entries(clean_warehouse) == (len(entries), sum(max(e["seconds"] or 0, 0) for e in entries))
    assert all(window.agrees for window in loaded.windows)
    assert sum(loaded.rows_by_date.values()) == len(entries)

    again = load_shared_report_fetch(clean_warehouse, fetched.fetch_id)
    assert (again.rows.inserted, again.rows.updated, again.rows.deleted, again.rows.unchanged) == (0, 0, 0, len(entries))


def test_a_row_that_cannot_be_read_refuses_the_fetch_in_one_line(emulator, clean_warehouse):
    apply_migrations(clean_warehouse)
    end = yesterday("UTC")
    body = ('{"report_type": "detailed", "detailed_results": {"report": [{"user_id": 1, "time_entries": '
            '[{"id": 7, "start": "not a time", "stop": null, "at": null, "seconds": 60}]}], "totals": {"seconds": 60}}}')
    emulator.faults.add(Fault(status=200, body=body))
    fetched = fetch(emulator, clean_warehouse, end, end)

    with pytest.raises(FetchRefused) as refused:
        load_shared_report_fetch(clean_warehouse, fetched.fetch_id)

    assert str(refused.value) == (
        f"shared report '{REPORT}', fetch {fetched.fetch_id}, page 1 of {end}..{end}: a row cannot be read "
        "(ValueError: a time entry start does not begin with a YYYY-MM-DD date: 'not a time' is not YYYY-MM-DD); "
        "nothing was replaced"
    )
    assert loaded_entries(clean_warehouse) == (0, 0)
