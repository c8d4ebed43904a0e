"""`toggl-warehouse replay` as a user runs it: both sources rebuilt from toggl_raw with zero API calls, and the
dates it has no complete fetch for named in its output.

Covers: after a backfill, deleting every flattened row and replaying restores the entries and the
profitability rows exactly (loaded_at aside), with no request reaching the emulator; a replay reaching before
the first fetch names the uncovered dates and still exits 0; the replay is recorded as a Dagster run of the
`toggl_replay` job in the instance.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from toggl_warehouse.cli import main
from toggl_warehouse.dates import yesterday

pytestmark = pytest.mark.integration

TABLES = ("toggl.report_time_entries", "toggl.profitability_projects", "toggl.report_totals")


def contents(engine) -> dict[str, tuple[int, str]]:
    with engine.connect() as conn:
        return {
            table: tuple(conn.execute(sa.text(
                f"SELECT count(*), md5(string_agg((to_jsonb(t) - 'loaded_at')::text, '|' "
                f"ORDER BY (to_jsonb(t) - 'loaded_at')::text)) FROM {table} t")).one())
            for table in TABLES
        }


def test_replay_rebuilds_both_sources_without_the_api(emulator, pipeline_env, clean_warehouse, capsys, tmp_path, monkeypatch):
    settings = pipeline_env(emulator, reports=("team_detailed",), TOGGL_WORKSPACE_IDS=str(emulator.workspace_ids[0]))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=13)
    assert main(["backfill", "--start", start.isoformat(), "--end", end.isoformat()]) == 0
    assert f" {len(emulator.request_log)} API request(s)" in capsys.readouterr().out  # the run's figures, summed
    loaded = contents(clean_warehouse)
    assert all(count > 0 for count, _ in loaded.values())
    with clean_warehouse.begin() as conn:
        for table in TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))
    requests = len(emulator.request_log)
    capsys.readouterr()

    code = main(["replay", "--start", (start - timedelta(days=3)).isoformat(), "--end", end.isoformat()])

    output = capsys.readouterr().out
    assert code == 0, output
    assert len(emulator.request_log) == requests
    assert contents(clean_warehouse) == loaded
    assert (f"toggl/shared_report_team_detailed: no complete fetch stored for {start - timedelta(days=3)}.."
            f"{start - timedelta(days=1)}; run a backfill for those dates") in output
    assert f"replay {start - timedelta(days=3)}..{end} of toggl/profitability_" in output and "0 API request(s)" in output
    with dg.DagsterInstance.get() as instance:
        assert [run.job_name for run in instance.get_runs(limit=1)] == ["toggl_replay"]
