"""Staging pages while they are fetched (toggl_warehouse.load.report_staging) on a real Postgres, the emulator over real HTTP.

Covers: a fetch staged as it landed loads without reading one page back from toggl_raw, and leaves every
table exactly as the same fetch loaded from toggl_raw does; a page whose rows cannot be read makes the
early staging step aside, and the load refuses the fetch in the very words it uses without it; a fetch
the staging did not see from its first page (a resume) is staged from toggl_raw instead.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.check.gate import FetchRefused
from toggl_warehouse.dates import yesterday
from toggl_warehouse.extract.shared_reports import extract_shared_report
from toggl_warehouse.load import shared_reports as load_module
from toggl_warehouse.load.report_staging import StagingWhileFetching
from toggl_warehouse.load.shared_reports import load_shared_report_fetch
from toggl_warehouse.toggl.client import SharedReportRef, TogglClient
from toggl_warehouse.toggl.emulator import Fault
from toggl_warehouse.warehouse.migrations import apply_migrations

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]

REPORT = "team_detailed"
TABLES = ("toggl.report_time_entries", "toggl.report_totals", "toggl.report_totals_graph", "toggl.report_rates",
          "toggl.users", "toggl.projects")


def content(engine: sa.Engine) -> dict[str, tuple[int, str]]:
    """Row count and md5 of every row (without loaded_at) of each table."""
    with engine.connect() as conn:
        return {table: tuple(conn.execute(sa.text(
            f"SELECT count(*), md5(coalesce(string_agg((to_jsonb(t) - 'loaded_at')::text, '|' "
            f"ORDER BY (to_jsonb(t) - 'loaded_at')::text), '')) FROM {table} t")).one()) for table in TABLES}


def fetch(emulator, engine, start, end, staging, page_size=50):
    client = TogglClient(emulator.base_url, api_token=emulator.api_token, min_interval=0)
    try:
        return extract_shared_report(client, engine, SharedReportRef(REPORT, emulator.reports[REPORT].token), start, end,
                                     page_size=page_size, on_landed=staging.landed if staging else None)
    finally:
        client.close()


def empty_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))


def test_a_fetch_staged_as_it_landed_loads_without_reading_pages_back_and_equals_the_load_from_toggl_raw(
        emulator, clean_warehouse, monkeypatch):
    apply_migrations(clean_warehouse)
    end = yesterday("UTC")
    start = end - timedelta(days=13)
    what = f"shared report '{REPORT}'"
    with StagingWhileFetching(clean_warehouse, REPORT, what) as staging:
        fetched = fetch(emulator, clean_warehouse, start, end, staging)
        assert fetched.pages >= 3 and staging.stepped_aside is None and staging.staging.pages == fetched.pages

        def no_read_back(*args, **kwargs):
            raise AssertionError("the load read pages back from toggl_raw")

        with monkeypatch.context() as patched:
            patched.setattr(load_module, "stored_pages", no_read_back)
            early = load_shared_report_fetch(clean_warehouse, fetched.fetch_id, staged=staging)
    staged_early = content(clean_warehouse)
    expected = sum(len(row["time_entries"]) for row in emulator.report_rows(REPORT, start, end))
    assert staged_early["toggl.report_time_entries"][0] == expected == early.rows.inserted
    assert early.pages == fetched.pages and all(window.agrees for window in early.windows)

    empty_tables(clean_warehouse)
    from_raw = load_shared_report_fetch(clean_warehouse, fetched.fetch_id)

    assert content(clean_warehouse) == staged_early
    assert from_raw.windows == early.windows and from_raw.rows_by_date == early.rows_by_date
    assert from_raw.rows.inserted == early.rows.inserted


def test_a_row_that_cannot_be_read_is_refused_in_the_same_words_with_or_without_early_staging(emulator, clean_warehouse):
    apply_migrations(clean_warehouse)
    end = yesterday("UTC")
    body = ('{"report_type": "detailed", "detailed_results": {"report": [{"user_id": 1, "time_entries": '
            '[{"id": 7, "start": "not a time", "stop": null, "at": null, "seconds": 60}]}], "totals": {"seconds": 60}}}')
    emulator.faults.add(Fault(status=200, body=body))
    with StagingWhileFetching(clean_warehouse, REPORT, f"shared report '{REPORT}'") as staging:
        fetched = fetch(emulator, clean_warehouse, end, end, staging)
        assert staging.stepped_aside is not None and staging.connection_for(fetched.fetch_id, 1) is None
        with pytest.raises(FetchRefused) as with_staging:
            load_shared_report_fetch(clean_warehouse, fetched.fetch_id, staged=staging)
    with pytest.raises(FetchRefused) as without:
        load_shared_report_fetch(clean_warehouse, fetched.fetch_id)

    assert str(with_staging.value) == str(without.value) == staging.stepped_aside.replace(
        f"shared report '{REPORT}'", f"shared report '{REPORT}', fetch {fetched.fetch_id}")
    assert str(without.value).startswith(
        f"shared report '{REPORT}', fetch {fetched.fetch_id}, page 1 of {end}..{end}: a row cannot be read (ValueError: ")
    assert content(clean_warehouse)["toggl.report_time_entries"][0] == 0


def test_a_fetch_seen_from_its_middle_is_staged_from_toggl_raw(emulator, clean_warehouse):
    apply_migrations(clean_warehouse)
    end = yesterday("UTC")
    start = end - timedelta(days=13)
    with StagingWhileFetching(clean_warehouse, REPORT, f"shared report '{REPORT}'") as staging:
        staging.landed(fetch_id=999_999, page=None, fetch_pages=3)  # as a resumed fetch's first new page would
        assert staging.stepped_aside == "it did not see every page of the fetch (a resumed fetch)"
        fetched = fetch(emulator, clean_warehouse, start, end, staging)
        loaded = load_shared_report_fetch(clean_warehouse, fetched.fetch_id, staged=staging)
    expected = sum(len(row["time_entries"]) for row in emulator.report_rows(REPORT, start, end))
    assert loaded.rows.inserted == expected == content(clean_warehouse)["toggl.report_time_entries"][0]
