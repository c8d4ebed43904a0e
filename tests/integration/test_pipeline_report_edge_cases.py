"""Shared reports that do not behave like a plain detailed report, end to end.

Covers: a report saved with a fixed date range (Toggl serves its own dates: the served window is what
gets replaced); a report whose saved parameters are broken (400, clear message, nothing written); a
bad row from Toggl (a time entry id served twice) fails the load and leaves the warehouse as it was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.dates import yesterday
from tests.integration.pipeline_helpers import (
    materialize,
    run_metadata,
    report_requests,
    step_failure_messages,
    warehouse_checksums,
)

pytestmark = pytest.mark.integration


def test_a_fixed_range_report_replaces_the_window_toggl_served(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=("fixed_range",))
    saved = emulator.reports["fixed_range"].saved_params
    fixed_start, fixed_end = date.fromisoformat(saved["start_date"]), date.fromisoformat(saved["end_date"])
    partition = yesterday(settings.timezone)

    result = materialize(settings, partition, partition)

    assert result.success, step_failure_messages(result)
    expected = sorted(e["id"] for row in emulator.report_rows("fixed_range", fixed_start, fixed_end) for e in row["time_entries"])
    with clean_warehouse.connect() as conn:
        loaded = conn.execute(sa.text("SELECT time_entry_id FROM toggl.report_time_entries ORDER BY 1")).scalars().all()
        window = conn.execute(sa.text("SELECT window_start, window_end FROM toggl.report_totals")).one()
    assert loaded == expected and len(expected) > 0
    assert tuple(window) == (fixed_start, fixed_end)
    [metadata] = run_metadata(result).values()
    assert metadata["window"] == f"{fixed_start}..{fixed_end}"


def test_a_report_with_broken_saved_parameters_fails_clearly(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=("broken",))
    end = yesterday(settings.timezone)

    result = materialize(settings, end, end)

    assert not result.success
    message = step_failure_messages(result)[0]
    assert "shared report 'broken'" in message and "report_type does not exist in params" in message
    assert report_requests(emulator, "broken") == 1
    assert emulator.reports["broken"].token not in message
    assert all(count == 0 for count, _ in warehouse_checksums(clean_warehouse).values())


def test_a_time_entry_served_twice_fails_the_load_and_changes_nothing(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=6)
    assert materialize(settings, start, end).success
    before = warehouse_checksums(clean_warehouse)
    entries = [e for e in emulator.workspace.entries_between(start, end) if e.stop is not None]
    original, other_day = entries[0], entries[-1]
    # Toggl serves the same time entry id in two rows (the second one on another day).
    emulator.workspace._entries[original.id + 10**9] = replace(original, start=other_day.start, stop=other_day.stop)

    result = materialize(settings, start, end)

    assert not result.success
    message = step_failure_messages(result)[0]
    assert "toggl.report_time_entries" in message and str(original.id) in message and "duplicated" in message
    assert warehouse_checksums(clean_warehouse) == before
