"""Retention of toggl_raw over a month of daily runs: `prune` keeps what replay needs and the recent days, and a
full replay afterwards rebuilds the tables to the byte.

A backfill, then 30 daily runs as the schedule launches them (yesterday and the 7 days before, with late edits in
Toggl between runs); each run's fetches are dated on its simulated day (the clock is injected by stamping the
fetch records, nothing waits). Then `prune --keep-days 7`: every fetch of the last 7 days keeps its pages (a
failed one included), fewer fetches stay than the latest complete fetch of each date per source (a day the
runs saw unchanged is kept once, by the earliest fetch that said the same); the bodies left are exactly those
the kept pages name; a dry run before it counts the same and removes nothing. Replaying the whole
history into emptied tables gives the same rows (checksums, loaded_at aside). The last daily run is pruned by the
retention sensor, as in production.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from toggl_warehouse.cli import main
from toggl_warehouse.dates import yesterday
from toggl_warehouse.definitions import ALL_TOGGL_JOB, build_definitions
from toggl_warehouse.extract.raw import FetchSubject, PageToLand, finish_fetch, land_page, start_fetch
from toggl_warehouse.extract.retention import prune
from toggl_warehouse.partitions import range_tags
from toggl_warehouse.prune_sensor import build_prune_sensor
from toggl_warehouse.resources import WarehouseResource
from toggl_warehouse.schedules import DAILY_SCHEDULE, trailing_window
from tests.integration.pipeline_helpers import step_failure_messages

pytestmark = pytest.mark.integration

REPORT = "team_detailed"
DAYS = 30
KEEP_DAYS = 7
TABLES = (
    "toggl.report_time_entries", "toggl.time_entries", "toggl.daily_entry_facts", "toggl.report_totals",
    "toggl.report_totals_graph", "toggl.report_rates", "toggl.profitability_projects",
)


def contents(engine) -> dict[str, tuple[int, str]]:
    """Row count and md5 of every row of each table, loaded_at aside (a replay loads again, now)."""
    with engine.connect() as conn:
        return {
            table: tuple(conn.execute(sa.text(
                f"SELECT count(*), md5(string_agg((to_jsonb(t) - 'loaded_at')::text, '|' "
                f"ORDER BY (to_jsonb(t) - 'loaded_at')::text)) FROM {table} t")).one())
            for table in TABLES
        }


def run(settings, start: date, end: date, instance: dg.DagsterInstance, **tags) -> dg.ExecuteInProcessResult:
    job = build_definitions(settings).resolve_job_def(ALL_TOGGL_JOB)
    result = job.execute_in_process(instance=instance, tags={**range_tags(start, end), **tags}, raise_on_error=False)
    assert result.success, step_failure_messages(result)
    return result


def stamp(engine, after_fetch: int, at: datetime) -> int:
    """Date the fetches made since `after_fetch` at `at` (their order kept); return the last fetch id."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "UPDATE toggl_raw.fetches SET started_at = :at + make_interval(secs => fetch_id), "
            "finished_at = :at + make_interval(secs => fetch_id + 1) WHERE fetch_id > :after"), {"at": at, "after": after_fetch})
        return conn.execute(sa.text("SELECT coalesce(max(fetch_id), 0) FROM toggl_raw.fetches")).scalar_one()


def failed_fetch(engine, body: bytes) -> int:
    """A fetch of the report that failed after one page (what a quota or network failure leaves)."""
    day = date(2020, 1, 1)
    fetch = start_fetch(engine, FetchSubject("shared_report", report_key=REPORT), day, day, None)
    land_page(engine, fetch, PageToLand(day, day, day, day, 1, "POST", f"/reports/api/v3/shared/<{REPORT}>", {}, 200,
                                        {"Content-Type": "application/json"}, body, "application/json", None, None), 1)
    finish_fetch(engine, fetch, requests_spent=1, error="Toggl kept answering 503", resumable=True)
    return fetch.fetch_id


def bound(engine, cutoff: datetime) -> tuple[set[int], set[int]]:
    """Worked out here without SQL ranges: the fetches started since `cutoff`, and what the plain rule would keep:
    those and, per source, the latest complete fetch (replay's order) of each date."""
    with engine.connect() as conn:
        fetches = conn.execute(sa.text(
            "SELECT fetch_id, source, report_key, workspace_id, request_params::text AS params, status, started_at, "
            "finished_at, coalesce(served_start, requested_start) AS first, coalesce(served_end, requested_end) AS last "
            "FROM toggl_raw.fetches ORDER BY finished_at, fetch_id")).all()
    latest: dict[tuple, int] = {}
    for f in fetches:
        if f.status != "complete":
            continue
        for offset in range((f.last - f.first).days + 1):
            day = f.first + timedelta(days=offset)
            latest[(f.source, f.report_key, f.workspace_id, day)] = f.fetch_id
            latest[(f.source, f.report_key, f.workspace_id, f.params, day)] = f.fetch_id
    recent = {f.fetch_id for f in fetches if f.started_at >= cutoff}
    return recent, set(latest.values()) | recent


def raw_state(engine) -> tuple[set[int], int, int, int]:
    """Fetches that still have pages; pages; bodies; bodies no page names."""
    with engine.connect() as conn:
        with_pages = set(conn.execute(sa.text("SELECT DISTINCT fetch_id FROM toggl_raw.pages")).scalars())
        pages = conn.execute(sa.text("SELECT count(*) FROM toggl_raw.pages")).scalar_one()
        bodies = conn.execute(sa.text("SELECT count(*) FROM toggl_raw.bodies")).scalar_one()
        orphans = conn.execute(sa.text(
            "SELECT count(*) FROM toggl_raw.bodies b WHERE NOT EXISTS "
            "(SELECT 1 FROM toggl_raw.pages p WHERE p.content_sha256 = b.content_sha256)")).scalar_one()
    return with_pages, pages, bodies, orphans


def test_a_month_of_daily_runs_pruned_replays_to_the_same_tables(
    emulator, pipeline_env, clean_warehouse, database_url, capsys, tmp_path, monkeypatch
):
    settings = pipeline_env(emulator, reports=(REPORT,), TOGGL_WORKSPACE_IDS=str(emulator.workspace_ids[0]),
                            TOGGL_RAW_KEEP_DAYS=str(KEEP_DAYS))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    engine = clean_warehouse
    instance = dg.DagsterInstance.ephemeral()
    now = datetime.now(UTC)
    today = yesterday(settings.timezone) + timedelta(days=1)
    first_day = today - timedelta(days=DAYS - 1)
    backfill_start, backfill_end = first_day - timedelta(days=40), first_day - timedelta(days=2)
    run(settings, backfill_start, backfill_end, instance)
    last = stamp(engine, 0, now - timedelta(days=DAYS + 1))
    old_failure = failed_fetch(engine, b'{"failed": "long ago"}')
    last = stamp(engine, last, now - timedelta(days=DAYS - 2))

    workspace = emulator.workspace
    for number in range(DAYS):
        day = first_day + timedelta(days=number)
        start, end = trailing_window(day, settings)
        late = [e for e in workspace.entries_between(start, end - timedelta(days=1)) if e.stop is not None]
        workspace.update_entry(late[number % len(late)].id, description=f"Edited on day {number}")
        result = run(settings, start, end, instance, **{"dagster/schedule_name": DAILY_SCHEDULE})
        if number < DAYS - 1:
            last = stamp(engine, last, now - timedelta(days=DAYS - 1 - number, hours=1))
        if number == DAYS - 3:
            young_failure = failed_fetch(engine, b'{"failed": "recently"}')
            last = stamp(engine, last, now - timedelta(days=2, minutes=30))
    loaded = contents(engine)
    assert all(count > 0 for count, _ in loaded.values())
    cutoff = now - timedelta(days=KEEP_DAYS)
    recent, at_most = bound(engine, cutoff)
    with_pages, pages_before, bodies_before, _ = raw_state(engine)
    assert old_failure not in at_most and young_failure in recent

    dry = prune(engine, KEEP_DAYS, datetime.now(UTC), dry_run=True)
    assert raw_state(engine)[:3] == (with_pages, pages_before, bodies_before)
    assert main(["prune", "--keep-days", str(KEEP_DAYS), "--dry-run"]) == 0
    assert capsys.readouterr().out == dry.line(dry_run=True) + "\n"

    # the last daily run succeeded: the retention sensor prunes, as the daemon would run it
    sensor = build_prune_sensor(settings, build_definitions(settings).resolve_job_def(ALL_TOGGL_JOB))
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=result.get_run_success_event(), dagster_instance=instance,
        dagster_run=result.dagster_run, resources={"warehouse": WarehouseResource(database_url=database_url)},
    )
    outcome = sensor(context)
    assert outcome.skip_message == dry.line(dry_run=False)

    after, pages_after, bodies_after, orphans = raw_state(engine)
    # every recent fetch stays; of the older ones, fewer than the latest fetch of each date: the days the daily
    # runs saw unchanged are kept once (an older fetch that gave the same rows), not once per run
    assert recent <= after and len(after) < len(at_most) - 10 and orphans == 0
    assert len(after) == dry.kept_for_replay + dry.kept_recent and dry.fetches == len(with_pages - after)
    assert pages_before - pages_after == dry.pages and bodies_before - bodies_after == dry.bodies > 0
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT status, count(*) FROM toggl_raw.fetches GROUP BY status")).all())
    assert statuses["pruned"] == dry.fetches and statuses["failed"] == 1
    assert contents(engine) == loaded  # pruning touches toggl_raw only

    with engine.begin() as conn:
        for table in ("toggl.report_time_entries", "toggl.report_totals", "toggl.report_totals_graph",
                      "toggl.report_rates", "toggl.profitability_projects"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    assert main(["replay", "--start", backfill_start.isoformat(), "--end", (today - timedelta(days=1)).isoformat()]) == 0
    assert contents(engine) == loaded


def test_prune_refuses_keep_days_below_one(pipeline_env, emulator, clean_warehouse, capsys):
    pipeline_env(emulator, reports=(REPORT,))
    assert main(["prune", "--keep-days", "0"]) == 2
    assert capsys.readouterr().err == (
        "toggl-warehouse: --keep-days must be at least 1 (a failed fetch is resumed within a day), got 0\n")
