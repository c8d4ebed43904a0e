"""`toggl-warehouse backfill` as Dagster backfills, read back as the UI's Backfills page shows them (GraphQL).

Covers, without a daemon (the in-process path): one backfill per chunk on the Backfills page, each ONE run
over its whole range, ending COMPLETED_SUCCESS with every partition materialized; a failed chunk does not
stop the others, ends COMPLETED_FAILED with its partitions failed, and the UI can re-execute it from
failure; running the command again resumes with the failed chunk only; a chunk whose totals check failed
(gate in warn mode) is run again, not skipped. The daemon path is covered by test_production_deployment.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest

from toggl_warehouse.backfill import daemon_running, run_backfill
from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator import Fault
from tests.integration.dagster_ui import REEXECUTE_FROM_FAILURE, backfills, graphql, ui
from tests.integration.pipeline_helpers import pages_for, report_requests

pytestmark = pytest.mark.integration

REPORT = "team_detailed"
ASSET = ["toggl", "shared_report_team_detailed"]


def tags(run: dict) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


def counts(backfill: dict) -> dict:
    (status,) = backfill["assetBackfillData"]["assetBackfillStatuses"]
    assert status["assetKey"]["path"] == ASSET
    return {key: status[key] for key in ("numPartitionsTargeted", "numPartitionsMaterialized", "numPartitionsFailed", "numPartitionsInProgress")}


def test_each_chunk_is_a_backfill_on_the_backfills_page_with_one_range_run(emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(emulator, reports=(REPORT,))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=24)
    home = tmp_path / "home"

    report = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert report.ok, report.summary()
    assert any(note.startswith("no dagster-daemon is running against") for note in report.notes)
    with dg.DagsterInstance.get() as instance:
        assert not daemon_running(instance)
        with ui(instance) as context:
            page = backfills(context)
    assert len(page) == 3 and all(b["isAssetBackfill"] and b["status"] == "COMPLETED_SUCCESS" for b in page)
    chunks = sorted(page, key=lambda b: b["partitionNames"][0])
    for backfill, chunk in zip(chunks, report.chunks):
        (run,) = backfill["runs"]
        assert run["status"] == "SUCCESS" and run["runId"] == chunk.run_id
        assert tags(run)["dagster/asset_partition_range_start"] == chunk.start.isoformat()
        assert tags(run)["dagster/asset_partition_range_end"] == chunk.end.isoformat()
        days = (chunk.end - chunk.start).days + 1
        assert backfill["numPartitions"] == days
        assert counts(backfill) == {"numPartitionsTargeted": days, "numPartitionsMaterialized": days,
                                    "numPartitionsFailed": 0, "numPartitionsInProgress": 0}
        assert backfill["title"].startswith(f"toggl-warehouse backfill {chunk.start}..{chunk.end}")


def test_a_failed_chunk_does_not_stop_the_others_is_retriable_in_the_ui_and_resumed(emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(emulator, reports=(REPORT,))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=24)
    home = tmp_path / "home"
    emulator.faults.add(Fault.plan_lacks_feature())  # the first chunk's only request

    first = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert [c.success for c in first.chunks] == [False, True, True]
    assert "(402)" in first.chunks[0].error and "\n" not in first.chunks[0].error
    with dg.DagsterInstance.get() as instance:
        with ui(instance) as context:
            by_start = {b["partitionNames"][0]: b for b in backfills(context)}
            failed = by_start[start.isoformat()]
            assert failed["status"] == "COMPLETED_FAILED"
            assert counts(failed) == {"numPartitionsTargeted": 10, "numPartitionsMaterialized": 0,
                                      "numPartitionsFailed": 10, "numPartitionsInProgress": 0}
            retried = graphql(context, REEXECUTE_FROM_FAILURE, {"backfillId": failed["id"]})["reexecutePartitionBackfill"]
            assert retried["__typename"] == "LaunchBackfillSuccess", retried
        retry = instance.get_backfill(retried["backfillId"])
        assert retry.status.value == "REQUESTED"  # the daemon takes it from here
        assert {(tuple(p.asset_key.path), p.partition_key) for p in retry.asset_backfill_data.target_subset.iterate_asset_partitions()} == {
            (tuple(ASSET), (start + timedelta(days=i)).isoformat()) for i in range(10)
        }
        instance.update_backfill(retry.with_status(retry.status.CANCELED))  # no daemon in this test

    requests = report_requests(emulator, REPORT)
    again = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert [c.skipped for c in again.chunks] == [False, True, True] and again.ok
    first_chunk_rows = len(emulator.report_rows(REPORT, start, start + timedelta(days=9)))
    assert report_requests(emulator, REPORT) - requests == pages_for(emulator, first_chunk_rows, settings.page_size)


def test_resume_runs_again_a_chunk_whose_totals_check_failed(emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(emulator, reports=(REPORT,), TOGGL_TOTALS_GATE="warn")
    end = yesterday(settings.timezone)
    start = end - timedelta(days=19)
    home = tmp_path / "home"
    # The first chunk's page: no rows but totals that count some. In warn mode it loads, and its check fails.
    emulator.faults.add(Fault(status=200, body=(
        '{"report_type": "detailed", "detailed_results": {"report": [], "totals": {"seconds": 3600, "billable_amount_in_cents": 100}}}'
    )))

    first = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)
    assert first.ok and [c.skipped for c in first.chunks] == [False, False]
    with dg.DagsterInstance.get() as instance:
        materialized = instance.get_materialized_partitions(dg.AssetKey(ASSET))
    assert {(start + timedelta(days=i)).isoformat() for i in range(20)} <= materialized

    again = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert [c.skipped for c in again.chunks] == [False, True]  # the chunk whose check failed is not "done"
    third = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)
    assert [c.skipped for c in third.chunks] == [True, True]  # its check passed on the re-run
