"""Staleness is visible: what the UI shows of the freshness policy, schedule and check (GraphQL on the code
location of workspace.yaml), and what the check says after a day landed or did not.

Covers: every source asset carries a cron freshness policy at the deadline (schedule time + 3 h, in
TOGGL_TIMEZONE); the `toggl_freshness` schedule is on by default; the `latest_day_landed` check passes when the
last complete day is materialized, and when it is not it fails naming the day, and so does its run (what
run-failure alerts react to); the deadline arithmetic (unit).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import dagster as dg
import pytest

from toggl_warehouse.backfill import run_backfill
from toggl_warehouse.definitions import build_definitions
from toggl_warehouse.freshness import CHECK_NAME, FRESHNESS_JOB, deadline_cron, expected_day
from toggl_warehouse.settings import Settings
from tests.integration.dagster_ui import graphql, ui

pytestmark = pytest.mark.integration

ASSET = dg.AssetKey(["toggl", "shared_report_team_detailed"])
UI = """
query Freshness {
  assetNodes { assetKey { path } internalFreshnessPolicy { __typename ... on CronFreshnessPolicy { deadlineCron timezone lowerBoundDeltaSeconds } } }
  schedulesOrError(repositorySelector: {repositoryLocationName: "toggl_warehouse", repositoryName: "__repository__"}) {
    ... on Schedules { results { name cronSchedule scheduleState { status } } }
  }
}
"""


def test_the_ui_shows_the_freshness_policy_and_the_running_freshness_schedule(shared_emulator, pipeline_env, tmp_path):
    settings = pipeline_env(shared_emulator, reports=("team_detailed",), TOGGL_TIMEZONE="Europe/Berlin")
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance, ui(instance) as context:
        data = graphql(context, UI)
    policies = {tuple(node["assetKey"]["path"]): node["internalFreshnessPolicy"] for node in data["assetNodes"]}
    assert policies[tuple(ASSET.path)] == {"__typename": "CronFreshnessPolicy", "deadlineCron": "30 5 * * *",
                                           "timezone": "Europe/Berlin", "lowerBoundDeltaSeconds": 86400}
    schedules = {s["name"]: s for s in data["schedulesOrError"]["results"]}
    assert schedules[FRESHNESS_JOB]["scheduleState"]["status"] == "RUNNING"
    assert schedules[FRESHNESS_JOB]["cronSchedule"] == "30 5 * * *" == deadline_cron(settings)
    assert schedules["toggl_daily"]["scheduleState"]["status"] == "STOPPED"


def test_the_check_fails_and_fails_its_run_when_the_last_day_did_not_land(shared_emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(shared_emulator, reports=("team_detailed",))
    home = tmp_path / "home"
    last = expected_day(settings, datetime.now(timezone.utc))
    job = build_definitions(settings, warehouse=True).resolve_job_def(FRESHNESS_JOB)

    assert run_backfill(settings, last - timedelta(days=10), last - timedelta(days=1), instance_home=home, progress=False).ok
    with dg.DagsterInstance.from_config(str(home)) as instance:
        stale = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not stale.success
    (evaluation,) = stale.get_asset_check_evaluations()
    assert (evaluation.check_name, evaluation.passed) == (CHECK_NAME, False)
    assert evaluation.metadata["expected_day"].value == last.isoformat()
    (failure,) = [event for event in stale.all_events if event.is_step_failure]
    assert f"toggl/shared_report_team_detailed: {last} did not land" in failure.step_failure_data.user_failure_data.description

    assert run_backfill(settings, last, last, instance_home=home, progress=False).ok
    with dg.DagsterInstance.from_config(str(home)) as instance:
        fresh = job.execute_in_process(instance=instance, raise_on_error=False)
    assert fresh.success
    assert [e.passed for e in fresh.get_asset_check_evaluations()] == [True]


@pytest.mark.parametrize(
    ("cron", "now", "deadline", "expected"),
    [
        ("30 2 * * *", "2026-03-10T05:29:00+00:00", "30 5 * * *", "2026-03-08"),
        ("30 2 * * *", "2026-03-10T05:30:00+00:00", "30 5 * * *", "2026-03-09"),
        ("0 22 * * *", "2026-03-10T00:59:00+00:00", "0 1 * * *", "2026-03-08"),
        ("*/5 * * * *", "2026-03-10T07:00:00+00:00", "0 6 * * *", "2026-03-09"),
    ],
)
def test_the_deadline_follows_the_schedule(cron, now, deadline, expected):
    settings = Settings.from_mapping({"TOGGL_SCHEDULE_CRON": cron})
    assert deadline_cron(settings) == deadline
    assert expected_day(settings, datetime.fromisoformat(now)) == date.fromisoformat(expected)
