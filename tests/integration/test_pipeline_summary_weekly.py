"""End-to-end: shared summary and weekly reports from the emulator (real HTTP) into Postgres through Dagster.

Covers: a 30-day range lands exactly what the emulator serves — summary seconds per group x sub-group for
the one window Toggl serves, weekly seconds/billable seconds/cents per day x week row across the 6 windows
the client cut the range into (weekly reports take at most 7 days) —; Toggl's totals agree and the asset
check passes; the API cost (1 request for the summary; 9 for the weekly: 3 refusals + 6 windows); a
re-run changes nothing (checksums include loaded_at); a deleted entry leaves both tables on reload and a
one-day weekly reload touches no other day. In both emulator dialects (the swagger one serves sub-groups as a
map keyed by id and leaves work without project unpriced).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator.reports import load_shared_report as serve
from tests.integration.pipeline_helpers import (
    materialize,
    run_metadata,
    report_requests,
    step_failure_messages,
    table_checksum,
    warehouse_checksums,
)

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]

REPORTS = ("team_summary", "team_weekly")
SUMMARY, WEEKLY = "toggl.report_summary", "toggl.report_weekly"


def served(emulator, key: str, start: date, end: date) -> dict:
    """The response body the emulator serves for one window (computed in-process: no request is counted)."""
    body, _headers = serve(emulator.workspace, emulator.reports[key], {"start_date": start.isoformat(),
                                                                        "end_date": end.isoformat()}, emulator.today)
    return body


def expected_summary(emulator, start: date, end: date) -> dict[tuple[int, str], tuple[str | None, int]]:
    """(group id or 0, sub-group key) -> (title, seconds), from the emulator's summary of start..end."""
    expected = {}
    for group in served(emulator, "team_summary", start, end)["summary_results"]["report"]["groups"]:
        subs = group["sub_groups"]
        if isinstance(subs, dict):  # the swagger dialect: keyed by id (by title when there is none)
            subs = [{"id": int(k) if k.isdigit() else None, **sub} for k, sub in subs.items()]
        for sub in subs:
            key = f"id:{sub['id']}" if sub["id"] else "md5:" + hashlib.md5((sub["title"] or "").encode()).hexdigest()
            expected[(group["id"] or 0, key)] = (sub["title"], sub["seconds"])
    return expected


def loaded_summary(engine, start: date, end: date) -> dict[tuple[int, str], tuple[str | None, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT group_id, sub_group_key, sub_group_title, seconds FROM {SUMMARY} "
                    "WHERE report_key = 'team_summary' AND window_start = :s AND window_end = :e"),
            {"s": start, "e": end},
        ).all()
    return {(r.group_id, r.sub_group_key): (r.sub_group_title, r.seconds) for r in rows}


def expected_weekly(emulator, start: date, end: date) -> dict[tuple[date, str], tuple[int, int, int | None]]:
    """(day, row_key) -> (seconds, billable seconds, cents or None), aggregated from the emulator's entries."""
    ws = emulator.workspace
    expected: dict = defaultdict(lambda: [0, 0, 0])
    for entry in ws.entries_between(start, end):
        rate, currency = ws.rate_of(entry)
        cell = expected[(entry.date, f"{entry.user_id}|{entry.project_id or ''}||{'' if rate is None else rate}|{currency}")]
        cell[0] += entry.seconds
        cell[1] += entry.seconds if entry.billable else 0
        cell[2] += ws.amount_of(entry) or 0
    # a row without a rate (the swagger dialect's work without project) is unpriced: NULL, not 0
    return {key: (cell[0], cell[1], None if key[1].split("|")[3] == "" else cell[2])
            for key, cell in expected.items() if any(cell)}


def loaded_weekly(engine, start: date, end: date) -> dict[tuple[date, str], tuple[int, int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT day, row_key, seconds, billable_seconds, billable_amount_in_cents FROM {WEEKLY} "
                    "WHERE report_key = 'team_weekly' AND day BETWEEN :s AND :e"),
            {"s": start, "e": end},
        ).all()
    return {(r.day, r.row_key): (r.seconds, r.billable_seconds, r.billable_amount_in_cents) for r in rows}


def totals_windows(engine, key: str) -> list[tuple[date, date, int, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.text("SELECT window_start, window_end, seconds, billable_amount_in_cents FROM toggl.report_totals "
                    "WHERE report_key = :k ORDER BY window_start"), {"k": key}).all()]


def test_a_30_day_range_lands_what_the_emulator_serves(shared_emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(shared_emulator, reports=REPORTS)
    end = yesterday(settings.timezone)
    start = end - timedelta(days=29)
    before = {key: report_requests(shared_emulator, key) for key in REPORTS}

    result = materialize(settings, start, end)

    assert result.success, step_failure_messages(result)
    # Summary: one window, one row per group x sub-group, seconds as served; they add up to Toggl's totals.
    summary = expected_summary(shared_emulator, start, end)
    totals = shared_emulator.report_totals("team_summary", start, end)
    assert len(summary) > 20
    assert loaded_summary(clean_warehouse, start, end) == summary
    assert sum(seconds for _, seconds in summary.values()) == totals["seconds"]
    assert totals_windows(clean_warehouse, "team_summary") == [(start, end, totals["seconds"], totals["billable_amount_in_cents"])]
    # Weekly: 6 windows (halved until Toggl accepts the period), one row per day x week row with time.
    weekly = expected_weekly(shared_emulator, start, end)
    assert len(weekly) > 50
    assert loaded_weekly(clean_warehouse, start, end) == weekly
    cuts = [(start + timedelta(days=a), start + timedelta(days=b)) for a, b in ((0, 3), (4, 7), (8, 14), (15, 18), (19, 22), (23, 29))]
    windows = totals_windows(clean_warehouse, "team_weekly")
    assert [(a, b) for a, b, _, _ in windows] == cuts
    for window_start, window_end, seconds, cents in windows:
        in_window = [v for (d, _), v in weekly.items() if window_start <= d <= window_end]
        assert (seconds, cents) == (sum(v[0] for v in in_window), sum(v[2] or 0 for v in in_window))  # Toggl totals the priced cents
    # API cost: the summary in one request; the weekly in 3 refusals (30, 15, 8 days) + 6 windows.
    assert report_requests(shared_emulator, "team_summary") - before["team_summary"] == 1
    assert report_requests(shared_emulator, "team_weekly") - before["team_weekly"] == 9
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 2 and all(check.passed for check in checks)
    metadata = run_metadata(result)
    assert metadata["shared_report_team_weekly"]["api_requests"] == 9
    assert metadata["shared_report_team_weekly"]["rows_table"] == WEEKLY
    assert metadata["shared_report_team_summary"]["report_type"] == "summary"
    assert metadata["shared_report_team_summary"]["rows_loaded"] == len(summary)
    with clean_warehouse.connect() as conn:  # the BI views
        weekly_view = conn.execute(sa.text("SELECT count(*), sum(billable_amount) * 100 FROM reporting.report_weekly_hours")).one()
        summary_view = conn.execute(sa.text("SELECT count(*), count(group_id) FROM reporting.report_summary_hours")).one()
    assert tuple(weekly_view) == (len(weekly), sum(v[2] or 0 for v in weekly.values()))  # the view sums the priced rows
    assert summary_view[0] == len(summary) and summary_view[1] == sum(1 for g, _ in summary if g)
    assert table_checksum(clean_warehouse, "toggl.report_time_entries")[0] == 0
    assert table_checksum(clean_warehouse, "toggl.projects")[0] > 0  # dictionaries land for every type


def test_rerunning_the_range_changes_nothing(shared_emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(shared_emulator, reports=REPORTS)
    end = yesterday(settings.timezone)
    start = end - timedelta(days=29)
    assert materialize(settings, start, end).success
    before = warehouse_checksums(clean_warehouse)
    assert before[SUMMARY][0] > 0 and before[WEEKLY][0] > 0

    result = materialize(settings, start, end)

    assert result.success
    assert warehouse_checksums(clean_warehouse) == before
    changes = [metadata["table_changes"] for metadata in run_metadata(result).values()]
    assert all("| 0 | 0 | 0 |" in line for text in changes for line in text.splitlines()[2:])
    assert all(check.passed for check in result.get_asset_check_evaluations())


def test_a_deleted_entry_leaves_both_tables_and_a_one_day_reload_touches_no_other_day(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=REPORTS)
    end = yesterday(settings.timezone)
    start = end - timedelta(days=6)
    assert materialize(settings, start, end).success
    victim_day = start + timedelta(days=3)
    victim = next(e for e in emulator.workspace.entries_between(victim_day, victim_day) if e.seconds > 0)
    weekly_before = loaded_weekly(clean_warehouse, start, end)
    emulator.workspace.delete_entry(victim.id)
    with clean_warehouse.connect() as conn:
        other_days = conn.execute(sa.text(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {WEEKLY} t "
                                          "WHERE day <> :d"), {"d": victim_day}).scalar()

    # The weekly report reloaded for the victim's day only: that day changes, no other.
    assert materialize(settings, victim_day, victim_day).success
    weekly_after = loaded_weekly(clean_warehouse, start, end)
    assert weekly_after == expected_weekly(emulator, start, end) != weekly_before
    with clean_warehouse.connect() as conn:
        assert conn.execute(sa.text(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {WEEKLY} t "
                                    "WHERE day <> :d"), {"d": victim_day}).scalar() == other_days
    # The summary of the whole week, reloaded, no longer counts the entry.
    summary_before = loaded_summary(clean_warehouse, start, end)
    assert materialize(settings, start, end).success
    summary = loaded_summary(clean_warehouse, start, end)
    assert summary == expected_summary(emulator, start, end) != summary_before
    assert sum(seconds for _, seconds in summary.values()) == emulator.report_totals("team_summary", start, end)["seconds"]
