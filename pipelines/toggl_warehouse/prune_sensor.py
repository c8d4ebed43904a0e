"""Retention in the daily run: after a successful run of the daily schedule, prune `toggl_raw`
(`extract.retention`, keeping TOGGL_RAW_KEEP_DAYS days and every fetch replay needs).

A run-status sensor, so it runs once per daily run, after every asset of it loaded (a failed run prunes nothing:
its fetches are kept for the re-run). Backfills and replays are left alone; `toggl-warehouse prune` does the
same on demand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from toggl_warehouse.extract.retention import prune
from toggl_warehouse.resources import WarehouseResource
from toggl_warehouse.schedules import DAILY_SCHEDULE
from toggl_warehouse.settings import Settings

SCHEDULE_TAG = "dagster/schedule_name"


def build_prune_sensor(settings: Settings, job) -> dg.SensorDefinition:
    """The sensor that prunes raw fetches after each successful run of `job` launched by the daily schedule."""

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="toggl_raw_retention",
        monitored_jobs=[job],
        description=(
            f"After each successful daily run: remove the raw pages older than {settings.raw_keep_days} days that "
            "replay does not need (TOGGL_RAW_KEEP_DAYS)."
        ),
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def toggl_raw_retention(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
        if context.dagster_run.tags.get(SCHEDULE_TAG) != DAILY_SCHEDULE:
            return dg.SkipReason(f"run {context.dagster_run.run_id} is not a daily run; nothing pruned")
        plan = prune(warehouse.prepare(context.log), settings.raw_keep_days, datetime.now(UTC))
        context.log.info(plan.line(dry_run=False))
        return dg.SkipReason(plan.line(dry_run=False))

    return toggl_raw_retention
