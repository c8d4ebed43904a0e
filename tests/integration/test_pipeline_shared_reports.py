"""End-to-end: shared detailed reports from the emulator (real HTTP) into Postgres through Dagster, in both
of the emulator's dialects (enriched rows, and Toggl's swagger: ids only, keyset paging capped at 50, null rates).

Covers: a 30-day backfill lands exactly the emulator's entries (count, seconds per day, cents per
report, Toggl's totals); a re-run changes nothing; deleted and moved entries; a connection killed
mid-load leaves the warehouse intact; 429/402 handling; a 403 fails at once without leaking the token;
"too big" ranges are split; the API cost of a range; the daily schedule's single-run trailing window.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from toggl_warehouse.dates import yesterday
from toggl_warehouse.definitions import build_definitions
from toggl_warehouse.toggl.emulator import Fault
from tests.integration.pipeline_helpers import (
    materialize,
    pages_for,
    run_metadata,
    report_requests,
    step_failure_messages,
    table_checksum,
    warehouse_checksums,
)

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]

REPORTS = ("team_detailed", "grouped_detailed")
ENTRIES = "toggl.report_time_entries"


def expected_entries(emulator, report_key: str, start: date, end: date) -> list[dict]:
    """The emulator's time entries of a report over a window, each with its row's amount."""
    entries = []
    for row in emulator.report_rows(report_key, start, end):
        for entry in row["time_entries"]:
            entries.append({**entry, "row_amount": row["billable_amount_in_cents"] or 0, "date": entry["start"][:10]})
    return entries


def loaded(engine, report_key: str, start: date, end: date) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT time_entry_id, entry_date, seconds, billable_amount_in_cents FROM {ENTRIES} "
                "WHERE report_key = :key AND entry_date BETWEEN :start AND :end"
            ),
            {"key": report_key, "start": start, "end": end},
        ).all()
    seconds_per_day: Counter = Counter()
    for row in rows:
        seconds_per_day[row.entry_date.isoformat()] += row.seconds
    return {
        "ids": sorted(row.time_entry_id for row in rows),
        "seconds_per_day": dict(seconds_per_day),
        "cents": sum(row.billable_amount_in_cents for row in rows if row.billable_amount_in_cents is not None),
    }


def test_a_30_day_backfill_lands_exactly_the_emulator_entries(shared_emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(shared_emulator, TOGGL_PAGE_SIZE=200)
    end = yesterday(settings.timezone)
    start = end - timedelta(days=29)
    requests_before = report_requests(shared_emulator, "team_detailed")

    result = materialize(settings, start, end)

    assert result.success, step_failure_messages(result)
    for key in REPORTS:
        expected = expected_entries(shared_emulator, key, start, end)
        totals = shared_emulator.report_totals(key, start, end)
        got = loaded(clean_warehouse, key, start, end)
        assert len(expected) > 200
        assert got["ids"] == sorted(e["id"] for e in expected)
        seconds_per_day: Counter = Counter()
        for entry in expected:
            seconds_per_day[entry["date"]] += max(entry["seconds"], 0)
        assert got["seconds_per_day"] == dict(seconds_per_day)
        assert sum(got["seconds_per_day"].values()) == totals["seconds"]
        row_amounts = sum(row["billable_amount_in_cents"] or 0 for row in shared_emulator.report_rows(key, start, end))
        assert got["cents"] == row_amounts == totals["billable_amount_in_cents"]
        with clean_warehouse.connect() as conn:
            stored_totals = conn.execute(
                sa.text("SELECT seconds, billable_amount_in_cents, tracked_days FROM toggl.report_totals WHERE report_key = :k"),
                {"k": key},
            ).one()
        assert tuple(stored_totals) == (totals["seconds"], totals["billable_amount_in_cents"], totals["tracked_days"])
    # One pass over the API for the whole range: one request per page, not one per day.
    rows = len(shared_emulator.report_rows("team_detailed", start, end))
    assert report_requests(shared_emulator, "team_detailed") - requests_before == pages_for(shared_emulator, rows, 200)
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 2 and all(check.passed for check in checks)


def test_grouped_rows_split_their_amount_to_the_cent(shared_emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(shared_emulator, reports=("grouped_detailed",))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=13)
    assert materialize(settings, start, end).success
    rows = shared_emulator.report_rows("grouped_detailed", start, end)
    grouped = [row for row in rows if len(row["time_entries"]) > 1 and row["billable_amount_in_cents"]]
    assert grouped, "the emulator should serve grouped billable rows"
    with clean_warehouse.connect() as conn:
        for row in grouped:
            ids = [entry["id"] for entry in row["time_entries"]]
            shares = conn.execute(
                sa.text(f"SELECT sum(billable_amount_in_cents), min(row_billable_amount_in_cents) FROM {ENTRIES} "
                        "WHERE report_key = 'grouped_detailed' AND time_entry_id = ANY(:ids)"),
                {"ids": ids},
            ).one()
            assert tuple(shares) == (row["billable_amount_in_cents"], row["billable_amount_in_cents"])


def test_rerunning_the_range_changes_nothing(shared_emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(shared_emulator)
    end = yesterday(settings.timezone)
    start = end - timedelta(days=9)
    assert materialize(settings, start, end).success
    before = warehouse_checksums(clean_warehouse)
    assert before[ENTRIES][0] > 0

    result = materialize(settings, start, end)

    assert result.success
    assert warehouse_checksums(clean_warehouse) == before
    changes = [metadata["table_changes"] for metadata in run_metadata(result).values()]
    rows = [line.strip("| ").split(" | ") for text in changes for line in text.splitlines()[2:]]
    assert rows, "every materialization reports its table changes"
    for table, staged, inserted, updated, deleted, unchanged in rows:
        assert (int(inserted), int(updated), int(deleted)) == (0, 0, 0), table
        assert int(unchanged) == int(staged), table
    entries = [row for row in rows if row[0] == ENTRIES]
    assert entries and all(int(row[1]) > 0 for row in entries)


def test_deleted_and_moved_entries_are_reflected(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=9)
    assert materialize(settings, start, end).success
    entries = expected_entries(emulator, "team_detailed", start, end)
    per_day = Counter(e["date"] for e in entries)
    day_a = next(d for d in (start + timedelta(days=n) for n in range(2, 6)) if per_day[d.isoformat()] >= 2).isoformat()
    day_b = (date.fromisoformat(day_a) + timedelta(days=3)).isoformat()
    deleted = next(e for e in entries if e["date"] == day_a)
    moved = next(e for e in entries if e["date"] == day_a and e["id"] != deleted["id"])
    emulator.workspace.delete_entry(deleted["id"])
    new_start = emulator.workspace.entry(moved["id"]).start + timedelta(days=3)
    emulator.workspace.move_entry(moved["id"], new_start)
    untouched_before = table_checksum_for_other_days(clean_warehouse, [day_a, day_b])

    # The entry moved INTO day B: loading only day B moves it (no duplicate) ...
    assert materialize(settings, date.fromisoformat(day_b), date.fromisoformat(day_b)).success
    with clean_warehouse.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT entry_date FROM {ENTRIES} WHERE report_key = 'team_detailed' AND time_entry_id = :id"),
            {"id": moved["id"]},
        ).all()
    assert [row.entry_date.isoformat() for row in rows] == [day_b]
    # ... and reloading day A drops the deleted entry.
    assert materialize(settings, date.fromisoformat(day_a), date.fromisoformat(day_a)).success
    got = loaded(clean_warehouse, "team_detailed", start, end)
    assert deleted["id"] not in got["ids"]
    assert got["ids"] == sorted(e["id"] for e in expected_entries(emulator, "team_detailed", start, end))
    assert table_checksum_for_other_days(clean_warehouse, [day_a, day_b]) == untouched_before


def table_checksum_for_other_days(engine, days: list[str]) -> tuple:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                sa.text(f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {ENTRIES} t "
                        "WHERE NOT entry_date = ANY(CAST(:days AS date[]))"),
                {"days": days},
            ).one()
        )


def test_a_429_is_retried_and_the_data_lands(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=6)
    emulator.faults.add(Fault.rate_limited(retry_after=1))

    result = materialize(settings, start, end)

    assert result.success
    rows = len(emulator.report_rows("team_detailed", start, end))
    assert report_requests(emulator, "team_detailed") == 1 + pages_for(emulator, rows, 1000)
    assert loaded(clean_warehouse, "team_detailed", start, end)["ids"] == sorted(
        e["id"] for e in expected_entries(emulator, "team_detailed", start, end)
    )


def test_a_402_with_quota_headers_waits_for_the_reset(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    emulator.faults.add(Fault.quota_exceeded(resets_in=1))
    result = materialize(settings, end, end)
    assert result.success
    assert report_requests(emulator, "team_detailed") == 2


def test_a_402_without_quota_headers_fails_without_retrying(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    emulator.faults.add(Fault.plan_lacks_feature())
    result = materialize(settings, end, end)
    assert not result.success
    assert report_requests(emulator, "team_detailed") == 1
    assert "plan does not include this feature" in step_failure_messages(result)[0]


def test_a_403_fails_at_once_with_a_message_that_hides_the_token(emulator, pipeline_env, clean_warehouse, caplog):
    settings = pipeline_env(emulator, reports=("team_detailed",), TOGGL_API_TOKEN=emulator.member_api_token)
    token = emulator.reports["team_detailed"].token
    end = yesterday(settings.timezone)
    instance = dg.DagsterInstance.ephemeral()
    caplog.set_level("DEBUG")

    result = materialize(settings, end, end, instance=instance)

    assert not result.success
    assert report_requests(emulator, "team_detailed") == 1
    message = step_failure_messages(result)[0]
    assert "shared report 'team_detailed'" in message and "403" in message
    logs = "\n".join(str(entry.dagster_event or "") + str(entry.user_message) for entry in instance.all_logs(result.run_id))
    for text in (message, logs, caplog.text):
        assert token not in text
    assert table_checksum(clean_warehouse, ENTRIES)[0] == 0


def test_the_token_never_reaches_logs_metadata_or_the_warehouse(shared_emulator, pipeline_env, clean_warehouse, caplog):
    settings = pipeline_env(shared_emulator)
    caplog.set_level("DEBUG")
    instance = dg.DagsterInstance.ephemeral()
    end = yesterday(settings.timezone)
    result = materialize(settings, end - timedelta(days=2), end, instance=instance)
    assert result.success
    # urllib3 logs every request line at DEBUG; the path is there, the token is not.
    assert "POST /reports/api/v3/shared/*** HTTP" in caplog.text
    logs = "\n".join(repr(entry) for entry in instance.all_logs(result.run_id))
    with clean_warehouse.connect() as conn:
        raw = conn.execute(sa.text(
            "SELECT string_agg(t::text, '') FROM (SELECT f.*, p.*, b.*, convert_from(b.body_bytes, 'UTF8') AS body_text "
            "FROM toggl_raw.fetches f JOIN toggl_raw.pages p USING (fetch_id) JOIN toggl_raw.bodies b USING (content_sha256)) t"
        )).scalar()
    for key in REPORTS:
        token = shared_emulator.reports[key].token
        assert token not in caplog.text and token not in logs and token not in raw
    assert "<report:team_detailed>" in raw


def test_a_range_toggl_finds_too_big_is_split_and_still_exact(pipeline_env, clean_warehouse, emulator_dialect):
    from toggl_warehouse.toggl.emulator import TogglEmulator
    from tests.conftest import _emulator_config

    with TogglEmulator(_emulator_config(emulator_dialect, too_big_rows=150)) as emulator:
        settings = pipeline_env(emulator, reports=("team_detailed",))
        end = yesterday(settings.timezone)
        start = end - timedelta(days=29)
        result = materialize(settings, start, end)
        assert result.success, step_failure_messages(result)
        expected = expected_entries(emulator, "team_detailed", start, end)
        assert len(expected) > 150
        assert loaded(clean_warehouse, "team_detailed", start, end)["ids"] == sorted(e["id"] for e in expected)
        with clean_warehouse.connect() as conn:
            windows = conn.execute(sa.text("SELECT window_start, window_end FROM toggl.report_totals ORDER BY 1")).all()
        assert len(windows) > 1
        assert windows[0].window_start == start and windows[-1].window_end == end
        assert all(a.window_end + timedelta(days=1) == b.window_start for a, b in zip(windows, windows[1:]))
        assert all(check.passed for check in result.get_asset_check_evaluations())


def test_the_daily_schedule_loads_the_trailing_window_in_one_run(shared_emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(shared_emulator, TOGGL_TRAILING_DAYS=7)
    defs = build_definitions(settings)
    schedule = defs.resolve_schedule_def("toggl_daily")
    today = yesterday(settings.timezone) + timedelta(days=1)
    if (today - timedelta(days=7)).day == 1:  # the month's settling run reaches back further (test below)
        today -= timedelta(days=1)
    context = dg.build_schedule_context(scheduled_execution_time=datetime(today.year, today.month, today.day, 2, 30))

    [request] = list(schedule.evaluate_tick(context).run_requests)

    start, end = today - timedelta(days=8), today - timedelta(days=1)
    assert request.tags["dagster/asset_partition_range_start"] == start.isoformat()
    assert request.tags["dagster/asset_partition_range_end"] == end.isoformat()
    job = defs.resolve_job_def(schedule.job_name)
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=request.tags)
    assert result.success
    # Eight days fit in one page of 1000 rows: one API call per report (a page of 50 in the swagger dialect).
    per_report = {name: metadata["api_requests"] for name, metadata in run_metadata(result).items()}
    assert per_report == {f"shared_report_{key}": pages_for(shared_emulator, len(shared_emulator.report_rows(
        key, start, end)), 1000) for key in REPORTS}
