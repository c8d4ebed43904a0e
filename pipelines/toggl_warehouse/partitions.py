"""Daily partitions: one partition per calendar date as Toggl means it, and the date window of a run.

A partition key is the local date written in an entry's `start`; it is sent to Toggl as
`start_date`/`end_date` directly, never through UTC datetimes. The timezone only decides when
"yesterday" is complete (the last partition is yesterday in `TOGGL_TIMEZONE`).
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from toggl_warehouse.settings import Settings


def daily_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    """Daily partitions from TOGGL_START_DATE up to yesterday in TOGGL_TIMEZONE."""
    return dg.DailyPartitionsDefinition(
        start_date=settings.start_date.isoformat(), timezone=settings.timezone, end_offset=0
    )


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The inclusive date range of the partitions this run materializes (a single day or a whole range)."""
    key_range = context.partition_key_range
    return date.fromisoformat(key_range.start), date.fromisoformat(key_range.end)


def range_tags(start: date, end: date) -> dict[str, str]:
    """Run tags that make one run cover the partitions start..end (single-run backfill policy)."""
    return {
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": end.isoformat(),
    }
