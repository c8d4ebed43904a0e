"""Helpers for the pipeline tests: run a date range through Dagster, and read the warehouse back."""

from __future__ import annotations

from datetime import date

import dagster as dg
import sqlalchemy as sa

from toggl_warehouse.definitions import ALL_TOGGL_JOB, build_definitions
from toggl_warehouse.partitions import range_tags
from toggl_warehouse.settings import Settings


def materialize(settings: Settings, start: date, end: date, instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    """Run every configured asset over start..end as one Dagster run (what a backfill chunk does)."""
    job = build_definitions(settings).resolve_job_def(ALL_TOGGL_JOB)
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(), tags=range_tags(start, end), raise_on_error=False
    )


def table_checksum(engine: sa.Engine, table: str) -> tuple[int, str]:
    """Row count and md5 of every row of `table` (loaded_at included), in key order."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.text(f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t")).one()
        )


def warehouse_checksums(engine: sa.Engine) -> dict[str, tuple[int, str]]:
    """Checksums of every flattened table (schema toggl). toggl_raw is a log: every fetch adds to it."""
    with engine.connect() as conn:
        names = conn.execute(
            sa.text("SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname = 'toggl' ORDER BY 1")
        ).scalars().all()
    return {name: table_checksum(engine, name) for name in names}


def report_requests(emulator, report_key: str) -> int:
    """How many requests the emulator received for one shared report."""
    token = emulator.reports[report_key].token
    return sum(1 for _method, path, _body in emulator.request_log if token in path)


def step_failure_messages(result: dg.ExecuteInProcessResult) -> list[str]:
    """The error messages of the run's failed steps."""
    return [event.event_specific_data.error.to_string() for event in result.all_events if event.is_step_failure]


def run_metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """Per source asset (the last part of its key): the metadata its partitions share, then the run's figures
    (its one observation per run, `toggl_warehouse.assets.partition_metadata`), values unwrapped."""
    from toggl_warehouse.assets.partition_metadata import RUN_FIGURES

    merged: dict[str, dict] = {}
    for event in result.get_asset_materialization_events():
        if event.asset_key.path[-1].startswith(("shared_report_", "profitability_")) and event.asset_key.path[0] == "toggl":
            merged.setdefault(event.asset_key.path[-1], {}).update(event.materialization.metadata)
    for event in result.get_asset_observation_events():
        observation = event.asset_observation_data.asset_observation
        if observation.description == RUN_FIGURES:
            merged.setdefault(event.asset_key.path[-1], {}).update(observation.metadata)
    return {name: {key: getattr(value, "value", value) for key, value in metadata.items()} for name, metadata in merged.items()}


def pages_for(emulator, rows: int, page_size: int) -> int:
    """Requests a window of `rows` rows costs at `page_size` asked, in the emulator's dialect (the swagger
    dialect serves at most 50 rows a page whatever is asked)."""
    served = min(page_size, emulator.workspace.dialect.max_page_size or page_size)
    return max(1, -(-rows // served))
