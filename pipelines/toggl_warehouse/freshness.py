"""Staleness made visible: a freshness policy on every source asset, and a check that yesterday landed.

Two views of one promise — "yesterday is in the warehouse by the deadline" (the daily schedule's time plus
`GRACE`, in TOGGL_TIMEZONE):

- `FreshnessPolicy.cron` on each source asset (Dagster 1.13's freshness policies, evaluated by the daemon):
  the asset shows Fresh / Stale in the catalog and on its page, and Dagster+ can alert on it. It looks at
  the latest materialization of any partition, so a backfill of old dates also counts.
- `latest_day_landed`, an asset check per source asset that looks at partitions: it fails when the last
  complete day (yesterday once the deadline has passed, else the day before) is not materialized, naming
  it and every other missing day of the trailing window. It is evaluated only by its own job (in a run that
  materializes the asset it is skipped), so a backfill of old dates never records it as failed. The `toggl_freshness` schedule (running by default,
  even while the daily schedule is off) evaluates the checks at each deadline, and its run FAILS when a day
  did not land, so any run-failure alert (a `make_slack_on_run_failure_sensor`, email, Dagster+) fires.
"""


from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from toggl_warehouse.settings import Settings

FRESHNESS_JOB = "toggl_freshness"
CHECK_NAME = "latest_day_landed"
GRACE = timedelta(hours=3)
"""How long after the daily schedule's time yesterday must have landed."""
DEFAULT_DEADLINE_CRON = "0 6 * * *"


def deadline_cron(settings: Settings) -> str:
    """The daily deadline: the schedule's `M H * * *` plus GRACE; 06:00 for a schedule of another shape."""
    fields = settings.schedule_cron.split()
    if len(fields) == 5 and fields[0].isdigit() and fields[1].isdigit() and fields[2:] == ["*", "*", "*"]:
        at = datetime(2000, 1, 1, int(fields[1]), int(fields[0])) + GRACE
        return f"{at.minute} {at.hour} * * *"
    return DEFAULT_DEADLINE_CRON


def freshness_policy(settings: Settings) -> dg.FreshnessPolicy:
    """Materialized within the day before each deadline."""
    return dg.FreshnessPolicy.cron(
        deadline_cron=deadline_cron(settings), lower_bound_delta=timedelta(hours=24), timezone=settings.timezone
    )


def with_freshness_policy(settings: Settings, assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The source assets with the freshness policy attached (their own declarations stay untouched)."""
    policy = freshness_policy(settings)
    return [asset.map_asset_specs(lambda spec: dg.apply_freshness_policy(spec, policy)) for asset in assets]


def expected_day(settings: Settings, now: datetime) -> date:
    """The last day that must have landed at `now`: yesterday after today's deadline, else the day before."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    minute, hour = (int(part) for part in deadline_cron(settings).split()[:2])
    deadline = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local.date() - timedelta(days=1 if local >= deadline else 2)


def missing_days(settings: Settings, materialized: set[str], now: datetime) -> tuple[date, list[date]]:
    """The expected day, and the days of the trailing window up to it that are not materialized."""
    last = expected_day(settings, now)
    first = max(settings.start_date, last - timedelta(days=settings.trailing_days))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return last, [day for day in days if day.isoformat() not in materialized]


def build_freshness_checks(settings: Settings, keys: list[dg.AssetKey]) -> dg.AssetChecksDefinition:
    """One `latest_day_landed` check per source asset, evaluated together."""

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                description=(
                    f"The last complete day has landed: yesterday by {deadline_cron(settings)} ({settings.timezone}), "
                    f"and no day of the trailing {settings.trailing_days} days before it is missing."
                ),
            )
            for key in keys
        ],
        name="toggl_latest_day_landed",
        description="Fails, and fails its run, when a day did not land (see pipelines/toggl_warehouse/freshness.py).",
        can_subset=True,
    )
    def latest_day_landed(context: dg.AssetCheckExecutionContext):
        if context.run.job_name != FRESHNESS_JOB:
            # Dagster adds every check of an asset to the runs that materialize it (a UI backfill of old dates
            # too); there the question "did yesterday land?" is not asked: it shows as skipped for that run.
            return
        now = datetime.now(ZoneInfo(settings.timezone))
        late: list[str] = []
        for key in keys:
            last, missing = missing_days(settings, context.instance.get_materialized_partitions(key), now)
            landed = last not in missing
            if not landed:
                late.append(f"{key.to_user_string()}: {last} did not land")
            yield dg.AssetCheckResult(
                check_name=CHECK_NAME,
                asset_key=key,
                passed=landed and not missing,
                severity=dg.AssetCheckSeverity.ERROR if not landed else dg.AssetCheckSeverity.WARN,
                metadata={
                    "expected_day": dg.MetadataValue.text(last.isoformat()),
                    "missing_days": dg.MetadataValue.text(", ".join(day.isoformat() for day in missing) or "none"),
                },
            )
        if late:
            # A failed run, so that the run-failure alerts everyone already has fire for a stale warehouse too.
            raise dg.Failure(description="; ".join(late) + " (is the toggl_daily schedule on? see the asset's checks)")

    return latest_day_landed


def build_freshness_schedule(settings: Settings, checks: dg.AssetChecksDefinition) -> dg.ScheduleDefinition:
    """At each deadline, evaluate `latest_day_landed` for every source (on by default: cheap, no Toggl call)."""
    job = dg.define_asset_job(
        FRESHNESS_JOB,
        selection=dg.AssetSelection.checks(checks),
        description="Check that the last complete day landed in the warehouse (no Toggl call).",
    )
    return dg.ScheduleDefinition(
        name=FRESHNESS_JOB,
        job=job,
        cron_schedule=deadline_cron(settings),
        execution_timezone=settings.timezone,
        description="At the daily deadline: fail (and alert) when yesterday did not land.",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
