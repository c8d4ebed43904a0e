"""The `toggl-warehouse` command as a user runs it: demo, backfill (resumable, few API calls), migrate.

The demo runs in a subprocess exactly as `./run demo` does and its printed summary is checked; the
backfill runs through Dagster with a real (temporary) instance, so resuming is checked against what
the instance recorded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.events import DagsterEventType

from toggl_warehouse.assets.profitability import asset_key_for_workspace
from toggl_warehouse.assets.shared_reports import asset_key_for_report
from toggl_warehouse.backfill import run_backfill
from toggl_warehouse.assets.earnings_check import EARNINGS_CHECK
from toggl_warehouse.freshness import CHECK_NAME as FRESHNESS_CHECK
from toggl_warehouse.cli import main
from toggl_warehouse.dates import yesterday
from toggl_warehouse.warehouse.database import drop_database
from tests.integration.pipeline_helpers import pages_for, report_requests

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_demo_lands_data_and_reports_that_it_agrees_with_toggl(database_url, database_server_url, tmp_path):
    demo_database = f"tw_test_demo_{uuid.uuid4().hex[:10]}"  # the demo's own database, beside DATABASE_URL's
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("TOGGL_", "DAGSTER_"))
    } | {"DATABASE_URL": database_url, "DAGSTER_HOME": str(tmp_path / "dagster_home"), "TOGGL_DEMO_DATABASE": demo_database}
    (tmp_path / "dagster_home").mkdir()

    try:
        finished = subprocess.run(
            [sys.executable, "-m", "toggl_warehouse.cli", "demo", "--days", "7"],
            cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
        )
    finally:
        drop_database(database_server_url, demo_database)

    assert finished.returncode == 0, finished.stderr[-3000:]
    out = finished.stdout
    assert "Toggl API emulator: http://127.0.0.1:" in out
    assert "warehouse: DATABASE_URL" in out
    assert "1 run(s)" in out
    assert out.count("-> agree") == 2 and "DISAGREE" not in out
    assert "team_detailed" in out and "grouped_detailed" in out


def test_backfill_runs_chunks_through_dagster_and_resumes(shared_emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(shared_emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=24)
    home = tmp_path / "home"
    home.mkdir()
    before = report_requests(shared_emulator, "team_detailed")

    first = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert first.ok and [c.skipped for c in first.chunks] == [False, False, False]
    chunks = [(start + timedelta(days=d), min(start + timedelta(days=d + 9), end)) for d in (0, 10, 20)]
    pages = [pages_for(shared_emulator, len(shared_emulator.report_rows("team_detailed", a, b)), settings.page_size)
             for a, b in chunks]
    assert report_requests(shared_emulator, "team_detailed") - before == sum(pages)  # one pass per 10-day chunk
    assert shared_emulator.workspace.dialect.max_page_size or pages == [1, 1, 1]  # a page a chunk, uncapped
    with clean_warehouse.connect() as conn:
        loaded = conn.execute(sa.text("SELECT count(*) FROM toggl.report_time_entries")).scalar()
    assert loaded == sum(len(r["time_entries"]) for r in shared_emulator.report_rows("team_detailed", start, end))

    again = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert [c.skipped for c in again.chunks] == [True, True, True]
    assert report_requests(shared_emulator, "team_detailed") - before == sum(pages)  # no request more
    assert "3 chunk(s) already done" in again.summary()


def test_an_in_process_backfill_runs_the_sources_checks_but_not_the_freshness_check(
        shared_emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(shared_emulator, reports=("team_detailed",), TOGGL_WORKSPACE_IDS=shared_emulator.workspace.id,
                            TOGGL_RECONCILE_REPORT="team_detailed")
    end = yesterday(settings.timezone)
    home = tmp_path / "home"
    home.mkdir()

    result = run_backfill(settings, end - timedelta(days=2), end, instance_home=home, progress=False)

    assert result.ok and len(result.chunks) == 1
    with dg.DagsterInstance.from_config(str(home)) as instance:
        logs = instance.all_logs(result.chunks[0].run_id)
        run = instance.get_run_by_id(result.chunks[0].run_id)
    assert run.asset_selection == {asset_key_for_report("team_detailed"), asset_key_for_workspace(shared_emulator.workspace.id)}
    evaluated = {entry.dagster_event.asset_check_evaluation_data.check_name
                 for entry in logs if entry.dagster_event and entry.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION}
    steps = {entry.step_key for entry in logs if entry.dagster_event_type == DagsterEventType.STEP_START}
    assert EARNINGS_CHECK in evaluated and FRESHNESS_CHECK not in evaluated
    assert not any("latest_day_landed" in (step or "") for step in steps)
    assert not [entry.user_message for entry in logs if "did not yield" in entry.user_message]


def test_backfill_refuses_a_range_outside_the_partitions(shared_emulator, pipeline_env, capsys):
    settings = pipeline_env(shared_emulator, reports=("team_detailed",))
    too_late = yesterday(settings.timezone) + timedelta(days=1)
    assert main(["backfill", "--start", too_late.isoformat(), "--end", too_late.isoformat()]) == 2
    assert "is after" in capsys.readouterr().err
    too_early = settings.start_date - timedelta(days=1)
    assert main(["backfill", "--start", too_early.isoformat(), "--end", settings.start_date.isoformat()]) == 2
    assert "before TOGGL_START_DATE" in capsys.readouterr().err


def test_backfill_notes_sources_without_configuration(shared_emulator, pipeline_env, tmp_path):
    settings = pipeline_env(shared_emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    report = run_backfill(settings, end, end, instance_home=tmp_path, progress=False)
    assert report.ok
    assert "no TOGGL_WORKSPACE_IDS configured; profitability export skipped" in report.summary()


@pytest.fixture
def bi_role(engine):
    role = f"toggl_bi_{uuid.uuid4().hex[:8]}"
    yield role
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
        conn.execute(sa.text(f'DROP ROLE "{role}"'))


def test_migrate_is_idempotent_and_creates_the_bi_role(pipeline_env, shared_emulator, engine, bi_role, capsys):
    pipeline_env(shared_emulator)
    assert main(["migrate", "--bi-role", bi_role]) == 0
    assert main(["migrate", "--bi-role", bi_role]) == 0
    assert "migrations are up to date" in capsys.readouterr().out
    with engine.connect() as conn:
        can = conn.execute(sa.text(
            "SELECT has_table_privilege(:role, 'reporting.time_entries', 'SELECT'), "
            "has_table_privilege(:role, 'reporting.currencies', 'INSERT'), "
            "has_table_privilege(:role, 'toggl.report_time_entries', 'SELECT')"), {"role": bi_role}).one()
    assert tuple(can) == (True, False, False)  # reads reporting, writes nothing, reads nothing in toggl
