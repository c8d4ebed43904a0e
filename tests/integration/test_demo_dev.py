"""From `./run demo` to `./run dev` and the output a person reads, through the CLI as a user meets it.

Covers: the demo lands in its own database and Dagster home (never in DATABASE_URL's database nor DAGSTER_HOME)
and writes `.env.demo`; `./run dev`'s plan after it loads the code location in a subprocess with the demo's
assets, schedule, checks and their history, and serves the emulator again so a re-materialization works (and
says "0 changed"); `demo --remove` drops it all; the demo ends with what to do next, in hours and money;
a backfill whose stderr is not a terminal prints no progress bar; a DATABASE_URL naming a missing database
fails in one line with the fix; `dev` started in the background stops with all its processes on SIGTERM, and
outside the project directory says where to run it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from toggl_warehouse.dates import yesterday
from toggl_warehouse.demo import DEMO_ENV_FILE, DEMO_HOME, dev_plan, serve_demo_emulator
from toggl_warehouse.warehouse.database import drop_database, with_database

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

LOAD_AS_DAGSTER_DEV_DOES = """
import json
import dagster as dg
import toggl_warehouse.definitions as location
defs = location.defs()  # the code location, loaded as Dagster loads it (lazily, from the defs/ folder)
dg.Definitions.validate_loadable(defs)
keys = sorted(spec.key for spec in defs.resolve_all_asset_specs())
with dg.DagsterInstance.get() as instance:
    history = {key.to_user_string(): len(instance.get_materialized_partitions(key)) for key in keys}
print(json.dumps({
    "assets": [key.to_user_string() for key in keys],
    "schedules": [schedule.name for schedule in defs.schedules],
    "checks": sorted(key.name for key in defs.resolve_asset_graph().asset_check_keys),
    "history": history,
}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(env: dict[str, str], cwd: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toggl_warehouse.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def base_environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("TOGGL_", "DAGSTER_", "DATABASE_URL"))}


def count_entries(url: str) -> int | None:
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('toggl.report_time_entries')").fetchone()[0] is None:
            return None
        return conn.execute("SELECT count(*) FROM toggl.report_time_entries").fetchone()[0]


def test_demo_then_dev_shows_the_demo_apart_from_the_real_set_up(database_url, clean_warehouse, database_server_url, tmp_path):
    demo_name = f"tw_test_demo_{uuid.uuid4().hex[:10]}"
    real_home = tmp_path / "real_dagster_home"
    env = base_environment() | {
        "DATABASE_URL": database_url,  # the user's real warehouse: the demo must not write into it
        "DAGSTER_HOME": str(real_home),  # nor into their Dagster instance
        "TOGGL_DEMO_DATABASE": demo_name,
        "TOGGL_DEMO_EMULATOR_PORT": str(free_port()),
    }
    demo_url = with_database(database_url, demo_name)
    try:
        demo = cli(env, tmp_path, "demo", "--days", "3")

        assert demo.returncode == 0, demo.stderr[-3000:]
        out = demo.stdout
        assert f"database {demo_name}" in out
        assert "-> agree to the second and the cent" in out and " h, " in out and "USD " in out
        assert "Next:" in out and "./run dev" in out and ".env.example" in out and "./run demo --remove" in out
        assert count_entries(demo_url) > 0
        assert count_entries(database_url) == 0 and not real_home.exists()
        assert (tmp_path / DEMO_ENV_FILE).is_file() and (tmp_path / DEMO_HOME).is_dir()
        assert "postgresql" not in (tmp_path / DEMO_ENV_FILE).read_text()  # no database URL, no password

        plan = dev_plan(tmp_path, env)

        assert plan.mode == "demo" and plan.dagster_home == tmp_path / DEMO_HOME
        assert plan.environment["DAGSTER_HOME"] == str(tmp_path / DEMO_HOME)
        assert sa.engine.make_url(plan.environment["DATABASE_URL"]).database == demo_name
        loaded = subprocess.run([sys.executable, "-c", LOAD_AS_DAGSTER_DEV_DOES], cwd=tmp_path, env=plan.environment,
                                capture_output=True, text=True, timeout=180)
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        shown = json.loads(loaded.stdout.strip().splitlines()[-1])
        assert {"toggl/shared_report_team_detailed", "toggl/shared_report_grouped_detailed"} <= set(shown["assets"])
        assert any(re.fullmatch(r"toggl/profitability_\d+", asset) for asset in shown["assets"])
        assert shown["schedules"] == ["toggl_daily", "toggl_freshness"]  # toggl_freshness: pipelines/toggl_warehouse/freshness.py
        assert {"entries_match_toggl_totals", "earnings_match_shared_report"} <= set(shown["checks"])
        sources = {asset: n for asset, n in shown["history"].items() if re.fullmatch(r"toggl/(shared_report_\w+|profitability_\d+)", asset)}
        assert len(sources) == 3 and all(partitions == 3 for partitions in sources.values()), shown["history"]

        with serve_demo_emulator(plan.emulator_port):  # what `./run dev` serves beside the UI
            day = yesterday("UTC").isoformat()
            again = cli(plan.environment, tmp_path, "backfill", "--start", day, "--end", day, "--refresh")
        assert again.returncode == 0, again.stderr[-3000:]
        assert "rows: 0 changed, " in again.stdout and " unchanged" in again.stdout

        removed = cli(env, tmp_path, "demo", "--remove")
        assert removed.returncode == 0, removed.stderr
        assert not (tmp_path / DEMO_ENV_FILE).exists() and not (tmp_path / DEMO_HOME).exists()
        with psycopg.connect(database_server_url) as conn:
            assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (demo_name,)).fetchone() is None
    finally:
        drop_database(database_server_url, demo_name)


def test_dev_without_configuration_or_demo_says_what_to_do(tmp_path):
    plan = dev_plan(tmp_path, base_environment())
    assert plan.mode == "empty" and plan.emulator_port is None
    assert "./run demo" in plan.note and plan.dagster_home == tmp_path / ".dagster_home"


def test_dev_with_real_configuration_ignores_a_demo(tmp_path):
    (tmp_path / DEMO_ENV_FILE).write_text("TOGGL_SHARED_REPORTS=team=fake\n")
    (tmp_path / ".env").write_text("TOGGL_SHARED_REPORTS=mine=abc\n")
    plan = dev_plan(tmp_path, base_environment())
    assert plan.mode == "configured" and plan.note is None and plan.emulator_port is None


def test_dev_started_in_the_background_stops_with_its_services_on_sigterm(database_url, tmp_path):
    """`./run dev &` (a script, nohup) starts it with SIGINT ignored; `kill <pid>` must still stop every process."""
    port, home = free_port(), tmp_path / "home"
    env = base_environment() | {"DAGSTER_HOME": str(home), "DATABASE_URL": database_url,
                                "TOGGL_SHARED_REPORTS": "team=token", "TOGGL_API_TOKEN": "token"}
    log = (tmp_path / "dev.log").open("w")
    dev = subprocess.Popen([sys.executable, "-m", "toggl_warehouse.cli", "dev", "--port", str(port)], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        deadline = time.monotonic() + 180
        while True:
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "dagster dev did not serve its UI in 180 s"
            time.sleep(1)
        session = [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if _session_of(pid) == dev.pid]
        assert len(session) >= 4  # dagster dev, its webserver, its daemon, a code server

        dev.send_signal(signal.SIGTERM)

        assert dev.wait(timeout=90) == 0
        deadline = time.monotonic() + 30
        while [pid for pid in session if _session_of(pid) == dev.pid] and time.monotonic() < deadline:
            time.sleep(0.5)
        assert [pid for pid in session if _session_of(pid) == dev.pid] == []
        assert "Dagster services shut down." in (tmp_path / "dev.log").read_text()
    finally:
        try:
            os.killpg(dev.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        log.close()


def _session_of(pid: int) -> int | None:
    """The session id of a live process (field 6 of /proc/PID/stat), None once it is gone (or a zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[3])


def test_dev_outside_the_project_directory_says_where_to_run_it(tmp_path):
    env = base_environment() | {"DAGSTER_HOME": str(tmp_path / "home"), "TOGGL_SHARED_REPORTS": "team=token"}
    finished = cli(env, tmp_path, "dev")
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines() == [
        f"toggl-warehouse: no workspace.yaml in {tmp_path}; run `toggl-warehouse dev` (or `./run dev`) from the project directory"]


def test_backfill_in_a_log_file_has_no_progress_bar_and_a_rerun_changes_nothing(emulator, database_url, clean_warehouse, tmp_path):
    env = base_environment() | {
        "TOGGL_API_URL": emulator.base_url,
        "TOGGL_API_TOKEN": emulator.api_token,
        "TOGGL_SHARED_REPORTS": f"team={emulator.reports['team_detailed'].token}",
        "TOGGL_MIN_REQUEST_INTERVAL": "0",
        "TOGGL_START_DATE": emulator.config.start.isoformat(),
        "DATABASE_URL": database_url,
        "DAGSTER_HOME": str(tmp_path / "home"),
    }
    end = yesterday("UTC")
    dates = ("--start", (end - timedelta(days=5)).isoformat(), "--end", end.isoformat())

    first = cli(env, tmp_path, "backfill", *dates)
    again = cli(env, tmp_path, "backfill", *dates, "--refresh")

    assert first.returncode == 0 and again.returncode == 0, first.stderr[-2000:] + again.stderr[-2000:]
    assert "\r" not in first.stderr and "chunk/s" not in first.stderr and "it/s" not in first.stderr
    loaded = count_entries(database_url)
    assert f"rows: {loaded} changed ({loaded} inserted, 0 updated, 0 deleted), 0 unchanged" in first.stdout
    assert f"rows: 0 changed, {loaded} unchanged" in again.stdout


def test_a_database_url_naming_a_missing_database_fails_in_one_line_with_the_fix(database_url, tmp_path):
    missing = with_database(database_url, f"tw_test_missing_{uuid.uuid4().hex[:8]}")
    url = sa.engine.make_url(missing).set(password="s3cret-pw").render_as_string(hide_password=False)

    finished = cli(base_environment() | {"DATABASE_URL": url}, tmp_path, "migrate", timeout=120)

    assert finished.returncode == 1
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    assert "does not exist" in lines[0] and "createdb" in lines[0] and "s3cret-pw" not in lines[0]
