"""`toggl-warehouse backfill` without a daemon (the in-process path), read back from the instance as the UI's Runs page shows it.

Covers: one run per chunk over its whole range (Dagster's partition-range tags, and the command's
`toggl-warehouse/range` tag), each SUCCESS with every partition materialized; no backfill record (Dagster has no
public way to write one without a daemon to carry it out); a failed chunk does not stop the others, its run
FAILURE with the one-line cause, and running the command again resumes with the failed chunk only; a chunk
whose totals check failed (gate in warn mode) is run again, not skipped. The daemon path (real Dagster
backfills launched with `launchPartitionBackfill`) is covered by test_production_deployment.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest

from toggl_warehouse.backfill import RANGE_TAG, REFUSED, daemon_running, launch_backfills, run_backfill
from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator import Fault
from tests.integration.pipeline_helpers import pages_for, report_requests

pytestmark = pytest.mark.integration

REPORT = "team_detailed"
ASSET = ["toggl", "shared_report_team_detailed"]


def test_each_chunk_is_one_run_over_its_range_in_process(emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(emulator, reports=(REPORT,))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=24)
    home = tmp_path / "home"

    report = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert report.ok, report.summary()
    assert f"no dagster-daemon is running against {home}: ran the backfill's runs in this process" in report.summary()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert not daemon_running(instance)
        assert instance.get_backfills() == []
        runs = {run.run_id: run for run in instance.get_runs()}
        assert len(runs) == 3 and [c.run_id for c in report.chunks if c.run_id in runs] == [c.run_id for c in report.chunks]
        for chunk in report.chunks:
            run = runs[chunk.run_id]
            assert run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "toggl_all"
            assert run.tags["dagster/asset_partition_range_start"] == chunk.start.isoformat()
            assert run.tags["dagster/asset_partition_range_end"] == chunk.end.isoformat()
            assert run.tags[RANGE_TAG] == f"{chunk.start}..{chunk.end}"
            assert "dagster/partition" not in run.tags
        days = {(start + timedelta(days=i)).isoformat() for i in range(25)}
        assert instance.get_materialized_partitions(dg.AssetKey(ASSET)) == days


def test_a_failed_chunk_does_not_stop_the_others_and_is_resumed(emulator, pipeline_env, clean_warehouse, tmp_path):
    settings = pipeline_env(emulator, reports=(REPORT,))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=24)
    home = tmp_path / "home"
    emulator.faults.add(Fault.plan_lacks_feature())  # the first chunk's only request

    first = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert [c.success for c in first.chunks] == [False, True, True]
    assert "(402)" in first.chunks[0].error and "\n" not in first.chunks[0].error
    with dg.DagsterInstance.from_config(str(home)) as instance:
        failed = instance.get_run_by_id(first.chunks[0].run_id)
        assert failed.status == dg.DagsterRunStatus.FAILURE and failed.tags[RANGE_TAG] == f"{start}..{start + timedelta(days=9)}"
        materialized = instance.get_materialized_partitions(dg.AssetKey(ASSET))
        assert materialized == {(start + timedelta(days=i)).isoformat() for i in range(10, 25)}

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
    with dg.DagsterInstance.from_config(str(home)) as instance:
        materialized = instance.get_materialized_partitions(dg.AssetKey(ASSET))
    assert {(start + timedelta(days=i)).isoformat() for i in range(20)} <= materialized

    again = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)

    assert [c.skipped for c in again.chunks] == [False, True]  # the chunk whose check failed is not "done"
    third = run_backfill(settings, start, end, chunk_days=10, instance_home=home, progress=False)
    assert [c.skipped for c in third.chunks] == [True, True]  # its check passed on the re-run


def test_the_daemon_path_launches_asset_backfills_as_the_ui_does_and_names_a_refused_one(emulator, pipeline_env, tmp_path):
    """Without a daemon to carry them out: the backfills are stored REQUESTED with the chunk's title, tag and
    partitions; one Dagster refuses (an asset the code location does not have) comes back as one line."""
    settings = pipeline_env(emulator, reports=(REPORT,))
    end = yesterday(settings.timezone)
    chunks = [(end - timedelta(days=13), end - timedelta(days=7)), (end - timedelta(days=6), end)]
    home = tmp_path / "home"
    home.mkdir()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        ids = launch_backfills(instance, [dg.AssetKey(ASSET)], chunks, total=2)
        refused = launch_backfills(instance, [dg.AssetKey(["toggl", "no_such_report"])], chunks[:1], total=1)

        assert len(ids) == 2 and not any(backfill_id.startswith(REFUSED) for backfill_id in ids)
        for backfill_id, (start, stop) in zip(ids, chunks):
            backfill = instance.get_backfill(backfill_id)
            assert backfill.status.value == "REQUESTED"
            assert backfill.title == f"toggl-warehouse backfill {start}..{stop} (chunk {chunks.index((start, stop)) + 1} of 2)"
            assert backfill.tags[RANGE_TAG] == f"{start}..{stop}" and list(backfill.asset_selection) == [dg.AssetKey(ASSET)]
            assert {p.partition_key for p in backfill.asset_backfill_data.target_subset.iterate_asset_partitions()} == {
                (start + timedelta(days=i)).isoformat() for i in range(7)}
        (line,) = refused
        assert line.startswith(REFUSED) and "no_such_report" in line and "\n" not in line
        assert len(instance.get_backfills()) == 2
