"""What a Dagster user sees, read as the UI reads it (GraphQL on the code location loaded from workspace.yaml,
and the instance), for issue 9 points 1-3:

1. lineage Toggl -> source assets -> tables -> views, each node with its table name, column schema (the
   column comments of the one declaration), kinds, owners and description; `dagster definitions validate`;
2. a range run's per-partition materializations carry that day's own row count, and the run's figures are
   recorded once (one observation per asset and run);
3. `earnings_match_shared_report` resolves every partition it was planned for (no "Skipped"), and runs alone
   from the UI's launch mutation for a range and without any partition.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from toggl_warehouse.assets.partition_metadata import RUN_FIGURES
from toggl_warehouse.assets.profitability import asset_key_for_workspace
from toggl_warehouse.assets.shared_reports import asset_key_for_report
from toggl_warehouse.assets.earnings_check import EARNINGS_CHECK
from toggl_warehouse.dates import yesterday
from toggl_warehouse.partitions import range_tags
from toggl_warehouse.warehouse import tables
from tests.integration.dagster_ui import ROOT, graphql, ui
from tests.integration.pipeline_helpers import materialize

pytestmark = pytest.mark.integration

ASSET_NODES = """
query Nodes {
  assetNodes {
    assetKey { path }
    dependencyKeys { path }
    kinds
    isExecutable
    description
    owners { ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
    metadataEntries {
      label
      ... on TextMetadataEntry { text }
      ... on TableSchemaMetadataEntry { schema { columns { name type description constraints { nullable } } } }
    }
  }
}
"""

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""


def _path(key: dg.AssetKey) -> str:
    return key.to_user_string()


def test_the_code_location_validates_as_dagster_loads_it(tmp_path) -> None:
    env = {**os.environ, "TOGGL_SHARED_REPORTS": "team=abc", "TOGGL_WORKSPACE_IDS": "11", "TOGGL_API_TOKEN": "t",
           "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "toggl_warehouse.definitions"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_asset_graph_reads_toggl_then_sources_then_tables_then_views(monkeypatch) -> None:
    monkeypatch.setenv("TOGGL_SHARED_REPORTS", "team=abc,finance=def")
    monkeypatch.setenv("TOGGL_WORKSPACE_IDS", "11")
    monkeypatch.setenv("TOGGL_API_TOKEN", "t")
    with dg.instance_for_test() as instance, ui(instance) as context:
        nodes = {"/".join(n["assetKey"]["path"]): n for n in graphql(context, ASSET_NODES)["assetNodes"]}

    def deps(name: str) -> set[str]:
        return {"/".join(d["path"]) for d in nodes[name]["dependencyKeys"]}

    def meta(name: str) -> dict:
        return {entry["label"]: entry for entry in nodes[name]["metadataEntries"]}

    team, finance, workspace = "toggl/shared_report_team", "toggl/shared_report_finance", "toggl/profitability_11"
    # Toggl, external: nothing upstream, nothing to run
    assert deps("toggl_track") == set() and not nodes["toggl_track"]["isExecutable"]
    assert "toggl" in nodes["toggl_track"]["kinds"]
    # the source assets read Toggl
    for source in (team, finance, workspace):
        assert deps(source) == {"toggl_track"} and nodes[source]["isExecutable"]
        assert {"toggl", "postgres"} <= set(nodes[source]["kinds"])
        assert nodes[source]["owners"] == [{"team": "data-engineering"}]
    # the tables, written by the sources; shared tables by every report
    assert deps("toggl/report_time_entries") == {team, finance}
    assert deps("toggl/clients") == {team, finance}
    assert deps("toggl/profitability_projects") == {workspace}
    # the views, on the tables (and views) they read
    assert deps("toggl/report_time_entries_resolved") >= {"toggl/report_time_entries", "toggl/users", "toggl/projects"}
    assert deps("reporting/report_time_entries") == {"toggl/report_time_entries_resolved"}
    assert deps("reporting/time_entries") >= {"toggl/time_entries", "toggl/users", "toggl/projects"}
    assert deps("toggl/time_entries") == {"toggl/report_time_entries"}
    assert deps("reporting/project_profitability") >= {"toggl/profitability_projects"}
    assert deps("reporting/time_entry_changes") == {"toggl/time_entry_changes", "reporting/currencies", team, finance, workspace}
    # every table and view: name, kinds, owners, description and the column schema with the column comments
    for spec in (*tables.ALL_TABLES, *tables.RELATIONS):
        name = spec.qualified_name.replace(".", "/")
        node = nodes[name]
        assert not node["isExecutable"]
        assert meta(name)["dagster/table_name"]["text"] == spec.qualified_name
        assert "postgres" in node["kinds"] and node["description"] == spec.description
        assert node["owners"] == [{"team": "data-engineering"}]
        columns = meta(name)["dagster/column_schema"]["schema"]["columns"]
        assert [(c["name"], c["description"], c["constraints"]["nullable"]) for c in columns] == [
            (c.name, c.description, c.nullable) for c in spec.all_columns
        ]
    assert "view" in nodes["reporting/time_entries"]["kinds"] and "table" in nodes["toggl/report_time_entries"]["kinds"]


def test_the_checks_sit_on_the_assets_they_check() -> None:
    from toggl_warehouse.definitions import build_definitions
    from toggl_warehouse.settings import Settings

    settings = Settings.from_mapping({"TOGGL_SHARED_REPORTS": "team=abc", "TOGGL_WORKSPACE_IDS": "11", "TOGGL_API_TOKEN": "t"})
    graph = build_definitions(settings, warehouse=True).resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert checks >= {("toggl/shared_report_team", "entries_match_toggl_totals"), ("toggl/profitability_11", EARNINGS_CHECK)}
    assert not {asset for asset, _name in checks} - {"toggl/shared_report_team", "toggl/profitability_11"}


def _latest_by_partition(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, dg.AssetMaterialization]:
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key), limit=1000).records
    latest: dict[str, dg.AssetMaterialization] = {}
    for record in sorted(records, key=lambda r: r.storage_id):
        latest[record.partition_key] = record.asset_materialization
    return latest


def test_a_range_run_records_each_day_its_own_rows_and_the_run_its_figures(shared_emulator, pipeline_env, clean_warehouse) -> None:
    settings = pipeline_env(shared_emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=29)
    key = asset_key_for_report("team_detailed")
    with dg.instance_for_test() as instance:
        result = materialize(settings, start, end, instance=instance)
        assert result.success
        with clean_warehouse.connect() as conn:
            per_day = dict(conn.execute(sa.text(
                "SELECT entry_date::text, count(*) FROM toggl.report_time_entries WHERE report_key = 'team_detailed' "
                "AND entry_date BETWEEN :a AND :b GROUP BY 1"), {"a": start, "b": end}).all())
        latest = _latest_by_partition(instance, key)
        observations = [
            r.event_log_entry.asset_observation for r in instance.fetch_observations(key, limit=10).records
            if r.event_log_entry.asset_observation.description == RUN_FIGURES
        ]

    days = [(start + timedelta(days=i)).isoformat() for i in range(30)]
    assert sorted(latest) == days
    # each day: that day's rows, nothing summed over the run
    assert {day: latest[day].metadata["dagster/row_count"].value for day in days} == {day: per_day.get(day, 0) for day in days}
    assert len({per_day.get(day, 0) for day in days}) > 1
    for day in days:
        assert not {"api_requests", "rows_inserted", "tracked_seconds", "table_changes"} & set(latest[day].metadata)
    # the run: one observation with its figures
    [figures] = observations
    assert figures.metadata["rows_loaded"].value == sum(per_day.values())
    assert figures.metadata["api_requests"].value >= 1
    assert figures.metadata["partitions"].value == f"{start}..{end} (30)"


def _wait(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRun:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run and run.is_finished:
            return run
        time.sleep(0.5)
    run = instance.get_run_by_id(run_id)
    logs = [entry.user_message or str(entry.dagster_event) for entry in instance.all_logs(run_id)][-8:]
    raise AssertionError(f"run {run_id} did not finish: {run.status if run else None}: {logs}")


def _statuses(instance: dg.DagsterInstance, check_key: dg.AssetCheckKey) -> dict[str | None, AssetCheckExecutionRecordStatus]:
    return {info.partition_key: info.latest_execution_status
            for info in instance.event_log_storage.get_asset_check_partition_info([check_key])}


def test_the_earnings_check_has_one_status_per_partition_and_runs_alone(shared_emulator, pipeline_env, clean_warehouse) -> None:
    settings = pipeline_env(shared_emulator, reports=("team_detailed",), TOGGL_WORKSPACE_IDS=shared_emulator.workspace.id,
                            TOGGL_RECONCILE_REPORT="team_detailed")
    end = yesterday(settings.timezone)
    start = end - timedelta(days=6)
    asset = asset_key_for_workspace(shared_emulator.workspace.id)
    check_key = dg.AssetCheckKey(asset, EARNINGS_CHECK)
    days = {(start + timedelta(days=i)).isoformat() for i in range(7)}
    # runs launched at once (no daemon in this test), each in its own process, as `dagster dev` without a queue
    coordinator = {"run_coordinator": {"module": "dagster._core.run_coordinator", "class": "DefaultRunCoordinator"}}
    with dg.instance_for_test(overrides=coordinator) as instance:
        assert materialize(settings, start, end, instance=instance).success
        statuses = _statuses(instance, check_key)
        # every planned partition resolved (none left PLANNED, which the UI shows as Skipped)
        assert {k: v for k, v in statuses.items() if k is not None} == dict.fromkeys(days, AssetCheckExecutionRecordStatus.SUCCEEDED)
        infos = instance.event_log_storage.get_asset_check_partition_info([check_key])
        assert all(info.is_current for info in infos if info.partition_key is not None)

        with ui(instance) as context:
            selector = {
                "repositoryLocationName": "toggl_warehouse", "repositoryName": "__repository__",
                "pipelineName": "__ASSET_JOB", "assetSelection": [],
                "assetCheckSelection": [{"assetKey": {"path": asset.path}, "name": EARNINGS_CHECK}],
            }
            launched = []
            for tags in (range_tags(start, end), {}):  # a range, then no partition at all (the UI's "Execute")
                params = {"selector": selector, "mode": "default",
                          "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]}}
                answer = graphql(context, LAUNCH, {"params": params})["launchPipelineExecution"]
                assert answer["__typename"] == "LaunchRunSuccess", answer
                run = _wait(instance, answer["run"]["runId"])
                assert run.status == dg.DagsterRunStatus.SUCCESS, instance.all_logs(run.run_id)[-1]
                launched.append(run.run_id)
            statuses = _statuses(instance, check_key)
            records = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=100)

    assert statuses == {**dict.fromkeys(days, AssetCheckExecutionRecordStatus.SUCCEEDED), None: AssetCheckExecutionRecordStatus.SUCCEEDED}
    for run_id in launched:  # each run alone: an evaluation for every day, and one for the run; nothing left planned
        of_run = [r for r in records if r.run_id == run_id]
        assert {r.partition for r in of_run} == days | {None}
        assert all(r.status == AssetCheckExecutionRecordStatus.SUCCEEDED for r in of_run)
