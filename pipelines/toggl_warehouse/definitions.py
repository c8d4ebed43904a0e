"""The Dagster code location: builds assets, checks, jobs, schedule and resources from Settings.

`build_definitions(settings)` is what everything builds on (the Component in `component.py`, the CLI's
in-process runs, the tests). It is also the only place that wires resources from the environment (secrets as
EnvVar, so their values never show in the UI or in run config). `defs` is this repository's code location
(`dagster dev`, `dg`, the Docker image, Helm and Dagster+ load it): the components of the `defs/` folder,
loaded when Dagster asks for them, never at import.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from toggl_warehouse.assets.failures import console_logger
from toggl_warehouse.assets.profitability import build_profitability_asset
from toggl_warehouse.assets.shared_reports import build_shared_report_asset
from toggl_warehouse.assets.warehouse import TOGGL_KEY, warehouse_specs
from toggl_warehouse.assets.earnings_check import build_earnings_check
from toggl_warehouse.freshness import build_freshness_checks, build_freshness_schedule, with_freshness_policy
from toggl_warehouse.partitions import daily_partitions
from toggl_warehouse.prune_sensor import build_prune_sensor
from toggl_warehouse.schedules import build_daily_schedule
from toggl_warehouse.settings import Settings, env_name
from toggl_warehouse.resources import TogglResource, WarehouseResource

ALL_TOGGL_JOB = "toggl_all"
REPLAY_JOB = "toggl_replay"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TogglSource:
    """What a source asset loads, handed to an `asset_spec` override with the asset's default spec."""

    kind: str
    """`shared_report` or `profitability`."""
    name: str
    """The shared report's name, or the workspace id of a profitability export."""
    workspace_id: int | None = None


AssetSpecOverride = Callable[[dg.AssetSpec, TogglSource], dg.AssetSpec]


def build_resources(
    settings: Settings, secrets: Mapping[str, str | dg.EnvVar | None] | None = None
) -> dict[str, dg.ConfigurableResource]:
    """Resources for `settings`, each field set from the setting of the same name.

    Secret values are read from the environment at run time: their variable's EnvVar, never the value.
    `secrets` replaces the value of a secret field (`api_token`, `password`, `shared_reports`,
    `shared_report_token_vars`, `database_url`) - an `EnvVar` or text - instead of TOGGL_* / DATABASE_URL.
    """
    chosen: dict[str, object] = {
        name: dg.EnvVar(env_name(Settings, name)) if getattr(settings, name) else None
        for name in ("api_token", "password", "shared_reports", "database_url")
    }
    chosen |= {"shared_report_token_vars": None, **(secrets or {})}

    def configured(resource: type[dg.ConfigurableResource]) -> dg.ConfigurableResource:
        return resource(**{name: chosen[name] if name in chosen else getattr(settings, name) for name in resource.model_fields})

    toggl, warehouse = configured(TogglResource), configured(WarehouseResource)
    return {"toggl": toggl, "warehouse": warehouse}


def build_definitions(
    settings: Settings,
    *,
    warehouse: bool = False,
    freshness: bool = True,
    asset_spec: AssetSpecOverride | None = None,
    resources: Mapping[str, dg.ConfigurableResource] | None = None,
) -> dg.Definitions:
    """Everything Dagster runs for `settings`: one asset per shared report (and per workspace), job, schedule.

    With `warehouse` (the code location `defs` below, what `dagster dev` shows) also the model around them:
    Toggl as the external source the assets read, the `toggl.*` tables each writes and the `reporting.*` views
    (`toggl_warehouse.assets.warehouse`). Those are not executable, so without it every asset can be selected for a run.

    `freshness=False` leaves out the freshness checks and their schedule: what the CLI's in-process runs
    execute. Dagster adds every check of the selected assets in the definitions to a run that selects assets,
    and the freshness check, which answers only in its own job, would run and skip in every backfill (and print
    "did not yield expected outputs").

    `asset_spec(spec, source)` returns the spec each source asset is built from (its key, group, description,
    metadata...: the Component's `translation`); checks, jobs and lineage follow the keys it returns.
    `resources` replaces the resources read from the environment (the Component passes its own).

    Single-run backfill policies and pools are flagged beta/preview by Dagster: known and chosen, so their
    warnings are silenced while these definitions are built, and only then (no process-wide filter).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=dg.BetaWarning)
        warnings.simplefilter("ignore", category=dg.PreviewWarning)
        return _build(settings, warehouse=warehouse, freshness=freshness, asset_spec=asset_spec, resources=resources)


def _build(
    settings: Settings,
    *,
    warehouse: bool,
    freshness: bool,
    asset_spec: AssetSpecOverride | None,
    resources: Mapping[str, dg.ConfigurableResource] | None,
) -> dg.Definitions:

    def override(source: TogglSource) -> Callable[[dg.AssetSpec], dg.AssetSpec]:
        return (lambda spec: asset_spec(spec, source)) if asset_spec else (lambda spec: spec)

    partitions = daily_partitions(settings)
    upstream = [TOGGL_KEY] if warehouse else []
    assets = [build_shared_report_asset(report.key, partitions, deps=upstream,
                                        spec=override(TogglSource("shared_report", report.key)))
              for report in settings.shared_reports]
    report_keys = {report.key: asset.key for report, asset in zip(settings.shared_reports, assets)}
    profitability = {"currency": settings.currency, "options": settings.profitability}
    workspace_assets = [build_profitability_asset(wid, partitions, **profitability, deps=upstream,
                                                  spec=override(TogglSource("profitability", str(wid), wid)))
                        for wid in settings.workspace_ids]
    assets += workspace_assets
    specs = warehouse_specs(list(report_keys.values()), [asset.key for asset in workspace_assets]) if warehouse else []
    reference = settings.reference_report_key
    checks = [
        build_earnings_check(wid, partitions, reference_report=reference, asset_key=asset.key,
                             reference_key=report_keys.get(reference) if reference else None, **profitability)
        for wid, asset in zip(settings.workspace_ids, workspace_assets)
    ]
    resources = dict(resources) if resources is not None else build_resources(settings)
    if not assets:
        log.info("toggl-warehouse: no TOGGL_SHARED_REPORTS or TOGGL_WORKSPACE_IDS configured; no assets to show")
        return dg.Definitions(assets=specs, resources=resources)
    freshness_checks = [build_freshness_checks(settings, [asset.key for asset in assets])] if freshness else []
    sources = dg.AssetSelection.assets(*assets) - dg.AssetSelection.checks(*freshness_checks)
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
        schedules=[build_daily_schedule(settings, job.name),
                   *(build_freshness_schedule(settings, checks) for checks in freshness_checks)],
        sensors=[build_prune_sensor(settings, job)],
        resources=resources,
        loggers={"console": console_logger},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """This repository's code location: the components in `toggl_warehouse/defs/` (`defs/toggl/defs.yaml` reads
    the TOGGL_* environment variables, as the code location always has). Built when Dagster loads it, from the
    package itself, so it loads the same from a checkout, a wheel or an image, whatever the working directory."""
    import toggl_warehouse.defs as defs_root

    # dg.load_from_defs_folder needs a pyproject.toml with [tool.dg], which an installed wheel does not have
    return dg.ComponentTree.from_module(defs_module=defs_root, project_root=_project_root()).build_defs()


def _project_root() -> Path:
    """The folder of pyproject.toml in a checkout (an editable install), else the folder the package is installed
    in (site-packages): nothing in `defs/` reads files relative to it."""
    package = Path(__file__).resolve().parent
    return package.parents[1] if (package.parents[1] / "pyproject.toml").is_file() else package.parent
