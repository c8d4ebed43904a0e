"""The daily schedule: yesterday plus a trailing window (TOGGL_TRAILING_DAYS) as ONE run per day.

Toggl has no "updated since", so late edits are caught by re-pulling the trailing window; the run
covers the whole range at once, so each report costs about one API call per page of the range.
"""


from datetime import date, timedelta

import dagster as dg

from toggl_warehouse.partitions import range_tags
from toggl_warehouse.settings import Settings


def trailing_window(today: date, settings: Settings) -> tuple[date, date]:
    """The dates the daily run loads on `today`: yesterday and the `trailing_days` before it."""
    end = today - timedelta(days=1)
    start = max(settings.start_date, end - timedelta(days=settings.trailing_days))
    return start, end


def build_daily_schedule(settings: Settings, job_name: str) -> dg.ScheduleDefinition:
    """A schedule in TOGGL_TIMEZONE that launches the job `job_name` (of the same Definitions) over the trailing window each day."""

    @dg.schedule(
        name="toggl_daily",
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.timezone,
        job_name=job_name,
        description=f"Every day: load yesterday and the {settings.trailing_days} days before it (late edits land), in one run.",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def toggl_daily(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        today = context.scheduled_execution_time.date()
        start, end = trailing_window(today, settings)
        if end < start:
            return dg.SkipReason(f"nothing to load yet: TOGGL_START_DATE {settings.start_date} is after {end}")
        return dg.RunRequest(run_key=f"daily-{end.isoformat()}", tags=range_tags(start, end))

    return toggl_daily
