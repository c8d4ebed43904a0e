"""The code location as it runs in production: instance storage in Postgres, a real `dagster-daemon`, the
QueuedRunCoordinator and the `toggl_api` pool, with the shipped `deploy/dagster.yaml` and `workspace.yaml`.

Covers: a partition-range backfill launched through the UI's GraphQL mutation (`launchPartitionBackfill`) and
`toggl-warehouse backfill` handing its chunks to the running daemon both end COMPLETED_SUCCESS; every backfill
ran as ONE run over its whole range (range tags, no per-partition runs); the emulator never saw two Toggl calls
at once although several runs were live together; the warehouse holds exactly the emulator's entries; runs and
pool slots were recorded in the instance's Postgres database (dagster-postgres with `postgresql+psycopg2://`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import pytest
import sqlalchemy as sa

from toggl_warehouse.backfill import daemon_running, run_backfill
from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator import Fault, server
from tests.integration.dagster_ui import backfills, graphql, ui

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ("team_detailed", "grouped_detailed")
LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""

# `dagster-daemon` itself, with the backfill daemon's fixed 30 s tick (controller.DEFAULT_DAEMON_INTERVAL_SECONDS,
# read at each loop; no setting changes it) cut to 2 s: the test then waits on the work, not on three idle ticks.
DAEMON_WITH_A_SHORT_BACKFILL_TICK = """
import sys
import dagster._daemon.controller as controller
controller.DEFAULT_DAEMON_INTERVAL_SECONDS = 2
from dagster._daemon.cli import main
sys.argv[0] = "dagster-daemon"
sys.exit(main())
"""


@pytest.fixture
def toggl_calls_in_flight(monkeypatch):
    """The peak number of Toggl API requests the emulator was answering at the same moment."""
    state = {"now": 0, "peak": 0, "calls": 0}
    lock = threading.Lock()
    handle = server._Handler._handle

    def counting(self, method):
        if urlsplit(self.path).path.startswith("/_emulator/"):
            return handle(self, method)
        with lock:
            state["now"] += 1
            state["calls"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            return handle(self, method)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(server._Handler, "_handle", counting)
    return state


@pytest.fixture
def daemon(emulator, pipeline_env, instance_database, tmp_path, monkeypatch, toggl_calls_in_flight):
    """`dagster-daemon run -w workspace.yaml` (2 s backfill tick) on an instance configured by deploy/dagster.yaml (Postgres)."""
    settings = pipeline_env(emulator, reports=REPORTS, TOGGL_PAGE_SIZE=50)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_URL", instance_database)
    log = open(tmp_path / "daemon.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-c", DAEMON_WITH_A_SHORT_BACKFILL_TICK, "run", "-w", str(ROOT / "workspace.yaml")],
        cwd=tmp_path, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        with dg.DagsterInstance.get() as instance:
            deadline = time.monotonic() + 90
            while not daemon_running(instance):
                assert process.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the daemon sent no heartbeat in 90 s"
                time.sleep(0.5)
            yield settings, instance, home
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_for(instance: dg.DagsterInstance, backfill_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        backfill = instance.get_backfill(backfill_id)
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        if backfill.status.value.startswith("COMPLETED") and runs and all(run.is_finished for run in runs):
            return
        assert backfill.status.value in ("REQUESTED", "COMPLETED_SUCCESS"), backfill.error
        assert time.monotonic() < deadline, f"backfill {backfill_id} still {backfill.status.value}"
        time.sleep(0.5)


def test_a_range_backfill_through_the_daemon_on_postgres(daemon, emulator, clean_warehouse, toggl_calls_in_flight, instance_database):
    settings, instance, home = daemon
    end = yesterday(settings.timezone)
    ui_range = (end - timedelta(days=27), end - timedelta(days=14))
    cli_range = (end - timedelta(days=13), end)
    for _ in range(12):  # slow answers: two calls at once would overlap for sure
        emulator.faults.add(Fault.slow(0.2))

    with ui(instance) as context:
        launched = graphql(context, LAUNCH, {"params": {
            "title": "range backfill from the UI",
            "partitionsByAssets": [
                {"assetKey": {"path": ["toggl", f"shared_report_{report}"]},
                 "partitions": {"range": {"start": ui_range[0].isoformat(), "end": ui_range[1].isoformat()}}}
                for report in REPORTS
            ],
        }})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched

        report = run_backfill(settings, *cli_range, chunk_days=7, instance_home=home, progress=False)

        assert report.ok, report.summary()
        assert any(note.startswith("dagster-daemon is running against") for note in report.notes)
        wait_for(instance, launched["backfillId"])
        page = backfills(context)

    ranges = {launched["backfillId"]: ui_range}
    ranges |= {b["id"]: (chunk.start, chunk.end) for b in page for chunk in report.chunks
               if b["id"] != launched["backfillId"] and b["runs"][0]["runId"] == chunk.run_id}
    assert len(page) == 3 and set(ranges) == {b["id"] for b in page}
    for backfill in page:
        assert backfill["status"] == "COMPLETED_SUCCESS", backfill
        (run,) = backfill["runs"]  # one run over the whole range, both reports in it
        tags = {tag["key"]: tag["value"] for tag in run["tags"]}
        start, stop = ranges[backfill["id"]]
        assert run["status"] == "SUCCESS"
        assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
            start.isoformat(), stop.isoformat())
        assert "dagster/partition" not in tags
        statuses = backfill["assetBackfillData"]["assetBackfillStatuses"]
        assert {s["numPartitionsMaterialized"] for s in statuses} == {(stop - start).days + 1} and len(statuses) == 2

    assert toggl_calls_in_flight["calls"] >= 6 and toggl_calls_in_flight["peak"] == 1
    with clean_warehouse.connect() as conn:
        for report_key in REPORTS:
            loaded = conn.execute(sa.text(
                "SELECT count(*) FROM toggl.report_time_entries WHERE report_key = :k AND entry_date BETWEEN :a AND :b"),
                {"k": report_key, "a": ui_range[0], "b": end}).scalar()
            expected = sum(len(row["time_entries"]) for row in emulator.report_rows(report_key, ui_range[0], end))
            assert loaded == expected > 0
    storage = sa.create_engine(instance_database, poolclass=sa.pool.NullPool)
    with storage.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM runs WHERE status = 'SUCCESS'")).scalar() == 3
        assert conn.execute(sa.text("SELECT count(*) FROM concurrency_limits WHERE concurrency_key = 'toggl_api'")).scalar() == 1
    storage.dispose()
