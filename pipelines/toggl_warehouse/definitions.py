"""The Dagster code location: builds assets, checks, jobs, schedule and resources from Settings.

This is the only place that wires resources from the environment (secrets as EnvVar, so their values
never show in the UI or in run config). `dagster dev` in the project root loads `defs` from here.
"""

from __future__ import annotations

import logging
import warnings

import dagster as dg
from dotenv import load_dotenv

from toggl_warehouse.assets.failures import console_logger
from toggl_warehouse.assets.profitability import GROUP as PROFITABILITY_GROUP
from toggl_warehouse.assets.profitability import build_profitability_asset
from toggl_warehouse.assets.shared_reports import GROUP as SHARED_REPORTS_GROUP
from toggl_warehouse.assets.shared_reports import build_shared_report_asset
from toggl_warehouse.assets.warehouse import TOGGL_KEY, warehouse_specs
from toggl_warehouse.checks import build_earnings_check
from toggl_warehouse.freshness import build_freshness_checks, build_freshness_schedule, with_freshness_policy
from toggl_warehouse.partitions import daily_partitions
from toggl_warehouse.prune_sensor import build_prune_sensor
from toggl_warehouse.schedules import build_daily_schedule
from toggl_warehouse.settings import Settings
from toggl_warehouse.resources import TogglResource, WarehouseResource

ALL_TOGGL_JOB = "toggl_all"
REPLAY_JOB = "toggl_replay"
log = logging.getLogger(__name__)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """Resources for `settings`; secret values are read from the environment at run time."""

    def secret(name: str, value: str | None) -> dg.EnvVar | None:
        return dg.EnvVar(name) if value else None

    toggl = TogglResource(
        api_url=settings.api_url,
        api_token=secret("TOGGL_API_TOKEN", settings.api_token),
        email=settings.email,
        password=secret("TOGGL_PASSWORD", settings.password),
        shared_reports=dg.EnvVar("TOGGL_SHARED_REPORTS") if settings.shared_reports else None,
        page_size=settings.page_size,
        min_request_interval=settings.min_request_interval,
        max_quota_wait_seconds=settings.max_quota_wait_seconds,
        max_attempts=settings.max_attempts,
        connect_timeout_seconds=settings.connect_timeout_seconds,
        read_timeout_seconds=settings.read_timeout_seconds,
        resume_max_age_hours=settings.resume_max_age_hours,
    )
    warehouse = WarehouseResource(
        database_url=secret("DATABASE_URL", settings.database_url), totals_gate=settings.totals_gate
    )
    return {"toggl": toggl, "warehouse": warehouse}


def build_definitions(settings: Settings, *, warehouse: bool = False, freshness: bool = True) -> dg.Definitions:
    """Everything Dagster runs for `settings`: one asset per shared report (and per workspace), job, schedule.

    With `warehouse` (the code location `defs` below, what `dagster dev` shows) also the model around them:
    Toggl as the external source the assets read, the `toggl.*` tables each writes and the `reporting.*` views
    (`toggl_warehouse.assets.warehouse`). Those are not executable, so without it every asset can be selected for a run.

    `freshness=False` leaves out the freshness checks and their schedule: what the CLI's in-process runs
    execute. Dagster adds every check of the selected assets in the definitions to a run that selects assets,
    and the freshness check, which answers only in its own job, would run and skip in every backfill (and print
    "did not yield expected outputs").
    """
    partitions = daily_partitions(settings)
    upstream = [TOGGL_KEY] if warehouse else []
    assets = [build_shared_report_asset(report.key, partitions, deps=upstream) for report in settings.shared_reports]
    report_keys = [asset.key for asset in assets]
    profitability = {"currency": settings.currency, "options": settings.profitability}
    assets += [build_profitability_asset(wid, partitions, **profitability, deps=upstream) for wid in settings.workspace_ids]
    specs = warehouse_specs(report_keys, [asset.key for asset in assets[len(report_keys):]]) if warehouse else []
    checks = [
        build_earnings_check(wid, partitions, reference_report=settings.reference_report_key, **profitability)
        for wid in settings.workspace_ids
    ]
    if not assets:
        log.info("toggl-warehouse: no TOGGL_SHARED_REPORTS or TOGGL_WORKSPACE_IDS configured; no assets to show")
        return dg.Definitions(assets=specs, resources=build_resources(settings))
    freshness_checks = [build_freshness_checks(settings, [asset.key for asset in assets])] if freshness else []
    sources = dg.AssetSelection.groups(SHARED_REPORTS_GROUP, PROFITABILITY_GROUP) - dg.AssetSelection.checks(*freshness_checks)
    job = dg.define_asset_job(
        ALL_TOGGL_JOB,
        selection=sources,
        description="Every Toggl source over a date range, in one run (what the schedule and `toggl-warehouse backfill` launch).",
    )
    replay = dg.define_asset_job(
        REPLAY_JOB,
        selection=sources,
        config=dg.RunConfig(ops={asset.op.name: {"config": {"replay": True}} for asset in assets}),
        description=(
            "Rebuild the flattened tables for a date range from the fetches stored in toggl_raw, with zero API calls "
            "(after a code or schema change, or a damaged table). What `toggl-warehouse replay` launches."
        ),
    )
    return dg.Definitions(
        assets=[*with_freshness_policy(settings, assets), *specs],
        asset_checks=[*checks, *freshness_checks],
        jobs=[job, replay],
        schedules=[build_daily_schedule(settings, job),
                   *(build_freshness_schedule(settings, checks) for checks in freshness_checks)],
        sensors=[build_prune_sensor(settings, job)],
        resources=build_resources(settings),
        loggers={"console": console_logger},
    )


load_dotenv(override=False)
# Single-run backfill policies and pools are flagged beta/preview by Dagster: known and chosen, not news for
# whoever opens the UI (`dagster dev`, `dg dev`, the code server and run workers all import this module).
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
defs = build_definitions(Settings.from_env(), warehouse=True)
