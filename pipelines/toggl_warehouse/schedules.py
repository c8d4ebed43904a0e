"""The daily schedule: yesterday plus a trailing window (TOGGL_TRAILING_DAYS) as ONE run per day, the whole
previous month once a month (its settled state in one fetch: `toggl_raw` keeps that, not thirty daily runs).

Toggl has no "updated since", so late edits are caught by re-pulling the trailing window; the run
covers the whole range at once, so each report costs about one API call per page of the range.
"""


from datetime import date, timedelta

import dagster as dg

from toggl_warehouse.partitions import range_tags
from toggl_warehouse.settings import Settings

DAILY_SCHEDULE = "toggl_daily"


def trailing_window(today: date, settings: Settings) -> tuple[date, date]:
    """The dates the daily run loads on `today`: yesterday and the `trailing_days` before it; and once a month,
    on the last day the previous month's last day is in that window, from the first day of that month (the
    month settled: one fetch then holds all of it, and retention can let that month's daily runs go)."""
    end = today - timedelta(days=1)
    start = end - timedelta(days=settings.trailing_days)
    if (start + timedelta(days=1)).day == 1:
        start = start.replace(day=1)
    return max(settings.start_date, start), end


def build_daily_schedule(settings: Settings, job_name: str) -> dg.ScheduleDefinition:
    """A schedule in TOGGL_TIMEZONE that launches the job `job_name` (of the same Definitions) over the trailing window each day."""

    @dg.schedule(
        name=DAILY_SCHEDULE,
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
