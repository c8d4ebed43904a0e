"""A warehouse created by the first released version upgrades to today's schema without losing a row.

The first schema is migrations 001-009 as commit c5954d7 shipped them (tests/fixtures/schema_v1), holding the
rows that version's own backfill wrote (data.sql: 14 days of a detailed report and a profitability export, from
a fixed emulated workspace). Today's `migrate` applies every later migration (the test follows each new one),
the migration records of 001-009 are recognised, and every row is still there. A backfill over the same dates
from the same workspace then leaves each row once (no loss, no duplicate), records no change (the data did not
change in Toggl), every reporting view answers, and `replay` rebuilds the entries from the fetches landed after
the upgrade.
"""

from __future__ import annotations

import shutil
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from toggl_warehouse.cli import main
from toggl_warehouse.toggl.emulator import TogglEmulator
from toggl_warehouse.warehouse.database import create_engine_for, drop_database, ensure_database
from toggl_warehouse.warehouse.migrations import apply_migrations, default_sql_dir, load_migrations
from tests.fixtures.schema_v1 import DATES, FIRST_RELEASE, REPORT, SCHEMA_V1, upgrade_emulator_config

pytestmark = pytest.mark.integration

V1_TABLES = (
    "toggl.report_time_entries", "toggl.report_totals", "toggl.report_totals_graph", "toggl.report_rates",
    "toggl.profitability_projects", "toggl.clients", "toggl.projects", "toggl.tasks", "toggl.tags", "toggl.users",
    "toggl.user_groups", "toggl_raw.api_responses",
)
KEYS = {
    "toggl.report_time_entries": "report_key, time_entry_id",
    "toggl.report_totals": "report_key, window_start, window_end",
    "toggl.profitability_projects": "workspace_id, period_start, project_id",
}


@pytest.fixture
def first_release_warehouse(database_server_url, tmp_path):
    """A database with the first released schema and that version's rows; dropped afterwards."""
    shipped = {m.name: m.checksum for m in load_migrations(default_sql_dir()) if m.name in FIRST_RELEASE}
    assert shipped == FIRST_RELEASE, "sql/001-009 differ from the first release: migrations are append-only"
    for file_name in FIRST_RELEASE:
        shutil.copy(default_sql_dir() / file_name, tmp_path / file_name)
    name = f"tw_upgrade_{uuid.uuid4().hex[:10]}"
    url = ensure_database(database_server_url, name)
    engine = create_engine_for(url)
    assert len(apply_migrations(engine, tmp_path)) == 9
    with psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        conn.execute((SCHEMA_V1 / "data.sql").read_text())
    yield url, engine
    engine.dispose()
    drop_database(database_server_url, name)


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in V1_TABLES}


def keys(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table: [tuple(row) for row in conn.execute(sa.text(f"SELECT {columns} FROM {table} ORDER BY {columns}"))]
                for table, columns in KEYS.items()}


def test_the_first_schema_upgrades_and_keeps_every_row(first_release_warehouse, monkeypatch, tmp_path, capsys):
    url, engine = first_release_warehouse
    before, keys_before = counts(engine), keys(engine)
    assert before["toggl.report_time_entries"] == 142 and before["toggl.profitability_projects"] == 67
    assert before["toggl_raw.api_responses"] == 2

    with TogglEmulator(upgrade_emulator_config()) as emulator:
        for name in ("TOGGL_EMAIL", "TOGGL_PASSWORD"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir(tmp_path)
        for name, value in {
            "TOGGL_API_URL": emulator.base_url, "TOGGL_API_TOKEN": emulator.api_token,
            "TOGGL_SHARED_REPORTS": f"{REPORT}={emulator.reports[REPORT].token}",
            "TOGGL_WORKSPACE_IDS": str(emulator.workspace_ids[0]), "TOGGL_MIN_REQUEST_INTERVAL": "0",
            "TOGGL_START_DATE": "2026-01-01", "DATABASE_URL": url, "DAGSTER_HOME": str(tmp_path / "home"),
        }.items():
            monkeypatch.setenv(name, value)

        assert main(["migrate"]) == 0
        later = [m.name for m in load_migrations(default_sql_dir()) if int(m.version) > 9]
        assert capsys.readouterr().out.endswith(f"applied {len(later)} migration(s): {', '.join(later)}\n")
        assert counts(engine) == before and keys(engine) == keys_before
        with engine.connect() as conn:
            recorded = conn.execute(sa.text("SELECT version FROM public.toggl_warehouse_migrations ORDER BY version")).scalars().all()
        assert recorded == [m.version for m in load_migrations(default_sql_dir())]

        assert main(["backfill", "--start", DATES[0].isoformat(), "--end", DATES[1].isoformat()]) == 0
        requests = len(emulator.request_log)

    after = counts(engine)
    assert keys(engine) == keys_before
    assert {t: n for t, n in after.items()} == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM toggl.time_entry_changes")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM toggl.time_entries")).scalar_one() == 142
        views = conn.execute(sa.text(
            "SELECT table_name FROM information_schema.views WHERE table_schema = 'reporting' ORDER BY 1")).scalars().all()
        assert len(views) > 10
        answered = {view: conn.execute(sa.text(f"SELECT count(*) FROM reporting.{view}")).scalar_one() for view in views}
        fetched = conn.execute(sa.text("SELECT count(*) FROM toggl_raw.fetches WHERE status = 'complete'")).scalar_one()
    assert answered["time_entries"] == 142 and fetched == 2

    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM toggl.report_time_entries"))
        conn.execute(sa.text("DELETE FROM toggl.profitability_projects"))
    assert main(["replay", "--start", DATES[0].isoformat(), "--end", DATES[1].isoformat()]) == 0
    assert keys(engine) == keys_before and counts(engine) == before and requests > 0
