"""The reporting views on real Postgres, fed by rows written straight into the toggl tables.

Covers: reporting.time_entries counts an entry in two reports once (the most recent load wins, but a report that
shows money always wins over one that hides it, and a deleted row hands the entry to the other report) while the
per-report view has it twice; the rollup tables follow every statement on toggl.report_time_entries; aggregates sum seconds then convert (3 x 1 s = 0.000833 h, not 0.000834);
billable_hours is 0, not NULL, when nothing is billable, in every view; money follows the currency's minor
unit (JPY 0, BHD 3, USD 2, unknown 2); hidden amounts (NULL cents) stay NULL in every view, visible zeros stay 0.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 2)
LOADED = datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)


def _entry(conn, report_key: str, entry_id: int, seconds: int, *, billable: bool = True,
           cents: int | None = 0, currency: str = "USD", loaded_at: datetime = LOADED,
           description: str = "work", project_id: int | None = 7) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    conn.execute(sa.text("""
        INSERT INTO toggl.report_time_entries (report_key, time_entry_id, entry_date, start_at, stop_at, seconds,
            project_id, project_name, billable, currency, hourly_rate_in_cents, row_billable_amount_in_cents,
            billable_amount_in_cents, description, loaded_at)
        VALUES (:report_key, :entry_id, :day, :start, :stop, :seconds, :project_id, 'Site', :billable, :currency,
            10000, :cents, :cents, :description, :loaded_at)
    """), {"report_key": report_key, "entry_id": entry_id, "day": DAY, "start": start,
           "stop": start + timedelta(seconds=seconds), "seconds": seconds, "billable": billable,
           "currency": currency, "cents": cents, "description": description, "loaded_at": loaded_at,
           "project_id": project_id})


def _rows(conn, query: str) -> list[tuple]:
    return [tuple(row) for row in conn.execute(sa.text(query)).all()]


def test_workspace_view_counts_each_entry_once_and_the_latest_load_wins(clean_warehouse):
    with clean_warehouse.begin() as conn:
        _entry(conn, "team", 1, 3600, description="old", loaded_at=LOADED)
        _entry(conn, "billing", 1, 5400, description="edited", loaded_at=LOADED + timedelta(hours=1))
        _entry(conn, "team", 2, 1800)

    with clean_warehouse.connect() as conn:
        per_report = _rows(conn, "SELECT report_key, time_entry_id FROM reporting.report_time_entries ORDER BY 1, 2")
        workspace = _rows(conn, "SELECT time_entry_id, report_key, seconds, description FROM reporting.time_entries ORDER BY 1")
        daily = _rows(conn, "SELECT hours, time_entries FROM reporting.daily_project_hours")

    assert per_report == [("billing", 1), ("team", 1), ("team", 2)]
    assert workspace == [(1, "billing", 5400, "edited"), (2, "team", 1800, "work")]
    assert daily == [(Decimal("2.000000"), 2)]


def test_money_comes_from_a_report_that_shows_it_whatever_loaded_last(clean_warehouse):
    with clean_warehouse.begin() as conn:
        _entry(conn, "visible", 1, 3600, cents=12345, loaded_at=LOADED)
        _entry(conn, "hidden", 1, 3600, cents=None, description="later", loaded_at=LOADED + timedelta(hours=1))
        _entry(conn, "hidden", 2, 1800, cents=None)

    with clean_warehouse.connect() as conn:
        once = _rows(conn, "SELECT time_entry_id, report_key, billable_amount_cents FROM reporting.time_entries ORDER BY 1")
        facts = _rows(conn, "SELECT seconds, billable_amount_cents, unpriced_billable_seconds FROM reporting.daily_facts")
    assert once == [(1, "visible", 12345), (2, "hidden", None)]
    assert facts == [(5400, 12345, 1800)]

    with clean_warehouse.begin() as conn:  # the visible report drops entry 1: the hidden row is all that is left
        conn.execute(sa.text("DELETE FROM toggl.report_time_entries WHERE report_key = 'visible'"))
    with clean_warehouse.connect() as conn:
        once = _rows(conn, "SELECT time_entry_id, report_key, billable_amount_cents FROM reporting.time_entries ORDER BY 1")
        facts = _rows(conn, "SELECT seconds, billable_amount_cents, unpriced_billable_seconds FROM reporting.daily_facts")
    assert once == [(1, "hidden", None), (2, "hidden", None)]
    assert facts == [(5400, None, 5400)]

    with clean_warehouse.begin() as conn:  # every report drops everything: nothing is left in the rollups
        conn.execute(sa.text("DELETE FROM toggl.report_time_entries"))
    with clean_warehouse.connect() as conn:
        assert _rows(conn, "SELECT (SELECT count(*) FROM toggl.time_entries), (SELECT count(*) FROM toggl.daily_entry_facts)") == [(0, 0)]


def test_aggregates_sum_seconds_before_converting(clean_warehouse):
    with clean_warehouse.begin() as conn:
        for entry_id in (1, 2, 3):
            _entry(conn, "team", entry_id, 1)

    with clean_warehouse.connect() as conn:
        per_entry = _rows(conn, "SELECT sum(hours) FROM reporting.report_time_entries")
        daily = _rows(conn, "SELECT hours, billable_hours FROM reporting.report_daily_project_hours")
        workspace = _rows(conn, "SELECT hours FROM reporting.daily_project_hours")

    assert per_entry == [(Decimal("0.000834"),)]  # why the views never sum rounded hours
    assert daily == [(Decimal("0.000833"), Decimal("0.000833"))]
    assert workspace == [(Decimal("0.000833"),)]


def test_billable_hours_are_zero_not_null_when_nothing_is_billable(clean_warehouse):
    with clean_warehouse.begin() as conn:
        _entry(conn, "team", 1, 3600, billable=False)
        conn.execute(sa.text("""
            INSERT INTO toggl.report_weekly (report_key, day, row_key, currency, seconds, billable_seconds, billable_amount_in_cents)
            VALUES ('week', :day, '1||||USD', 'USD', 3600, 0, 0)"""), {"day": DAY})

    with clean_warehouse.connect() as conn:
        for view in ("reporting.report_time_entries", "reporting.time_entries", "reporting.report_daily_project_hours",
                     "reporting.daily_project_hours", "reporting.report_weekly_hours"):
            assert _rows(conn, f"SELECT billable_hours FROM {view}") == [(Decimal("0.000000"),)], view


@pytest.mark.parametrize(
    ("currency", "cents", "shown"),
    [("JPY", 123456, "1235"), ("jpy", 123449, "1234"), ("KRW", 100, "1"), ("BHD", 123, "1.230"),
     ("KWD", 5, "0.050"), ("USD", 12345, "123.45"), ("EUR", 1, "0.01"), ("XYZ", 12345, "123.45")],
)
def test_money_follows_the_currency_minor_unit(clean_warehouse, currency, cents, shown):
    with clean_warehouse.begin() as conn:
        _entry(conn, "team", 1, 3600, cents=cents, currency=currency)

    with clean_warehouse.connect() as conn:
        for view in ("reporting.report_time_entries", "reporting.time_entries", "reporting.report_daily_project_hours",
                     "reporting.daily_project_hours"):
            assert _rows(conn, f"SELECT billable_amount::text FROM {view}") == [(shown,)], view


def test_daily_amount_sums_cents_before_rounding_to_whole_yen(clean_warehouse):
    with clean_warehouse.begin() as conn:
        _entry(conn, "team", 1, 60, cents=8333, currency="JPY")  # 83.33 yen each
        _entry(conn, "team", 2, 60, cents=8333, currency="JPY")
        _entry(conn, "team", 3, 60, cents=8334, currency="JPY")

    with clean_warehouse.connect() as conn:
        assert _rows(conn, "SELECT billable_amount::text FROM reporting.report_daily_project_hours") == [("250",)]


def test_hidden_amounts_stay_null_and_zero_stays_zero(clean_warehouse):
    with clean_warehouse.begin() as conn:
        _entry(conn, "hidden", 1, 3600, cents=None)
        _entry(conn, "visible", 2, 3600, cents=0, project_id=8)
        conn.execute(sa.text("""
            INSERT INTO toggl.report_weekly (report_key, day, row_key, currency, seconds, billable_seconds, billable_amount_in_cents)
            VALUES ('week', :day, '1||||USD', 'USD', 3600, 3600, NULL)"""), {"day": DAY})
        conn.execute(sa.text("""
            INSERT INTO toggl.report_totals (report_key, window_start, window_end, resolution, seconds,
                billable_amount_in_cents, labour_cost_in_cents, tracked_days)
            VALUES ('hidden', :day, :day, 'day', 3600, NULL, NULL, 1)"""), {"day": DAY})

    with clean_warehouse.connect() as conn:
        assert _rows(conn, "SELECT report_key, billable_amount FROM reporting.report_time_entries ORDER BY 1") == [
            ("hidden", None), ("visible", Decimal("0.00"))]
        assert _rows(conn, "SELECT report_key, billable_amount FROM reporting.report_daily_project_hours ORDER BY 1") == [
            ("hidden", None), ("visible", Decimal("0.00"))]
        assert _rows(conn, "SELECT billable_amount FROM reporting.report_weekly_hours") == [(None,)]
        assert _rows(conn, "SELECT billable_amount_in_cents FROM toggl.report_totals") == [(None,)]
