"""The late-edit audit, end to end: toggl.time_entry_changes records what changed in Toggl after a load — no row
for a first load of a day; an upstream edit, a move, a delete and an entry added to a loaded day each exactly
once, with the fetch and so the Dagster run; an unchanged re-load records nothing; the run's metadata counts the changes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.dates import yesterday
from tests.integration.pipeline_helpers import materialize, run_metadata, step_failure_messages

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]

REPORT = "team_detailed"


def changes(engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT c.change, c.time_entry_id, c.seconds_before, c.seconds_after, c.entry_date_before, c.entry_date_after, "
            "c.description_before, c.description_after, c.fetch_id, v.dagster_run_id "
            "FROM toggl.time_entry_changes c JOIN reporting.time_entry_changes v USING (change_id) ORDER BY c.change_id"
        )).all()


def change_metadata(result) -> dict:
    """The run's change counts (run-wide figures: the run's observation, not each day's materialization)."""
    [metadata] = run_metadata(result).values()
    return metadata["time_entry_changes"]


def test_an_edit_a_move_and_a_delete_are_each_recorded_once(emulator, pipeline_env, clean_warehouse):
    settings = pipeline_env(emulator, reports=(REPORT,))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=9)
    first = materialize(settings, start, end)
    assert first.success, step_failure_messages(first)
    entries = [e for row in emulator.report_rows(REPORT, start, end) for e in row["time_entries"]]
    assert len(entries) > 0 and changes(clean_warehouse) == []  # a first load is not a change in Toggl
    assert change_metadata(first) == {"insert": 0, "update": 0, "delete": 0}

    unchanged = materialize(settings, start, end)
    assert unchanged.success and changes(clean_warehouse) == []
    assert change_metadata(unchanged) == {"insert": 0, "update": 0, "delete": 0}

    stopped = [e for e in entries if e["stop"] and start.isoformat() < e["start"][:10] < end.isoformat()]
    edited, moved, deleted = (e["id"] for e in stopped[:3])
    workspace = emulator.workspace
    workspace.update_entry(edited, description="Invoiced, then edited")
    old_day = next(e for e in entries if e["id"] == moved)["start"][:10]
    workspace.move_entry(moved, workspace.entry(moved).start - timedelta(days=1))
    workspace.delete_entry(deleted)

    third = materialize(settings, start, end)

    assert third.success, step_failure_messages(third)
    late = changes(clean_warehouse)
    assert sorted((row.change, row.time_entry_id) for row in late) == sorted(
        [("update", edited), ("update", moved), ("delete", deleted)])
    by_id = {row.time_entry_id: row for row in late}
    assert by_id[edited].description_after == "Invoiced, then edited" and by_id[edited].description_before != "Invoiced, then edited"
    assert by_id[moved].entry_date_before.isoformat() == old_day and by_id[moved].entry_date_after != by_id[moved].entry_date_before
    assert by_id[deleted].seconds_after is None and by_id[deleted].seconds_before > 0
    assert {row.dagster_run_id for row in late} == {third.run_id}
    assert change_metadata(third) == {"insert": 0, "update": 2, "delete": 1}


def test_a_daily_run_records_the_edit_not_the_new_day(emulator, pipeline_env, clean_warehouse):
    """The schedule's trailing window: yesterday is loaded for the first time (no rows), the days loaded before
    record what changed in Toggl: one edit is one row, one entry added to a loaded day is one insert."""
    settings = pipeline_env(emulator, reports=(REPORT,))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=7)
    backfill = materialize(settings, start, end - timedelta(days=1))
    assert backfill.success, step_failure_messages(backfill)
    assert changes(clean_warehouse) == []

    loaded = [e for row in emulator.report_rows(REPORT, start, end - timedelta(days=1)) for e in row["time_entries"]]
    new_day = [e for row in emulator.report_rows(REPORT, end, end) for e in row["time_entries"]]
    edited = next(e["id"] for e in loaded if e["stop"])
    workspace = emulator.workspace
    workspace.update_entry(edited, description="Edited after the backfill")
    one_more = workspace.entry(edited)
    added = workspace.add_entry(one_more.user_id, one_more.start + timedelta(minutes=1), 600, description="Added late")
    daily = materialize(settings, start, end)

    assert daily.success, step_failure_messages(daily)
    assert len(new_day) > 0
    assert sorted((row.change, row.time_entry_id) for row in changes(clean_warehouse)) == [("insert", added.id), ("update", edited)]
    assert change_metadata(daily) == {"insert": 1, "update": 1, "delete": 0}
