"""Assets for the profitability projects export: one daily-partitioned asset per workspace in TOGGL_WORKSPACE_IDS.

Thin by design: extract (`toggl_warehouse.extract.profitability`) → check and load (`toggl_warehouse.load.profitability`),
under the workspace's slice lock; with `replay: true` (the `toggl_replay` job) it reloads the stored files
with zero API calls. A partition range is one run (single-run backfill policy) and, widened to whole
periods, one export request; all Toggl calls share the `toggl_api` concurrency pool. Format, resolution, currency and filters are fixed when the code
location loads (TOGGL_CURRENCY, TOGGL_PROFITABILITY_*) and shown in the asset's metadata.
"""

from collections.abc import Sequence
from datetime import date

import dagster as dg

from toggl_warehouse.assets.failures import one_line_failures
from toggl_warehouse.assets.partition_metadata import partitioned_result, profitability_partitions
from toggl_warehouse.assets.shared_reports import SourceRunConfig
from toggl_warehouse.assets.specs import SpecOverride, asset_arguments, unchanged
from toggl_warehouse.assets.warehouse import OWNERS, table_materializations
from toggl_warehouse.extract.profitability import SOURCE, export_subject, extract_profitability, period_window
from toggl_warehouse.load.profitability import ProfitabilityLoad, load_profitability_fetch
from toggl_warehouse.load.replay import replay_plan
from toggl_warehouse.partitions import run_window
from toggl_warehouse.resources import TogglResource, WarehouseResource
from toggl_warehouse.settings import ProfitabilityOptions
from toggl_warehouse.warehouse.locks import slice_lock

GROUP = "toggl_profitability"
TABLE = "toggl.profitability_projects"


def asset_key_for_workspace(workspace_id: int) -> dg.AssetKey:
    """The asset key of a workspace's profitability export: toggl/profitability_<workspace_id>."""
    return dg.AssetKey(["toggl", f"profitability_{int(workspace_id)}"])


def describe_options(currency: str, options: ProfitabilityOptions) -> dict[str, object]:
    """The export parameters as shown in metadata (no secrets among them)."""
    return {
        "currency": currency.lower(),
        "format": options.file_format,
        "resolution": options.resolution,
        "billable": options.billable,
        "client_ids": None if options.client_ids is None else list(options.client_ids),
        "project_ids": None if options.project_ids is None else list(options.project_ids),
        "rounding": options.rounding,
        "rounding_minutes": options.rounding_minutes,
    }


def build_profitability_asset(
    workspace_id: int,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    *,
    currency: str,
    options: ProfitabilityOptions,
    deps: Sequence[dg.AssetKey] = (),
    spec: SpecOverride = unchanged,
) -> dg.AssetsDefinition:
    """The daily-partitioned asset that loads the profitability export of `workspace_id` (`deps`: what it reads,
    Toggl; `spec`: overrides the asset's default attributes, e.g. its key and group)."""
    attributes = spec(dg.AssetSpec(
        asset_key_for_workspace(workspace_id),
        description=(
            f"Profitability projects export of workspace {workspace_id} ({options.resolution}, {currency.upper()}, "
            f"{options.file_format}): one row per period x project, whole periods replaced per date window."
        ),
        group_name=GROUP,
        kinds={"python", "toggl", "postgres"},
        owners=OWNERS,
        deps=list(deps),
        metadata={
            "workspace_id": workspace_id,
            "table": TABLE,
            "export_parameters": dg.MetadataValue.json(describe_options(currency, options)),
        },
    ))
    key = attributes.key

    @dg.asset(
        **asset_arguments(attributes),
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool="toggl_api",
    )
    def profitability(
        context: dg.AssetExecutionContext, config: SourceRunConfig, toggl: TogglResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        start, end = run_window(context)
        last = partitions_def.get_last_partition_key()
        window_start, window_end = period_window(
            start, end, options.resolution, not_after=date.fromisoformat(last) if last else None
        )
        what = f"profitability export of workspace {workspace_id} {window_start}..{window_end}"
        engine = None
        with one_line_failures(what):
            engine = warehouse.prepare(context.log)
        with one_line_failures(what, engine):
            if config.replay:
                subject = export_subject(workspace_id, currency, options)
                plan = replay_plan(
                    engine, SOURCE, window_start, window_end, workspace_id=workspace_id,
                    params_contain={"resolution": subject.params["resolution"], "currency": subject.params["currency"]},
                )
                for gap_start, gap_end in plan.uncovered:
                    context.log.warning(f"{what}: no complete fetch is stored for {gap_start}..{gap_end}; those dates were not replayed")
                loads = [load_profitability_fetch(engine, fid) for fid in plan.fetch_ids]
                extra = {"mode": dg.MetadataValue.text("replay (no API call)"),
                         "replayed_fetch_ids": dg.MetadataValue.json(plan.fetch_ids),
                         "dates_without_fetch": dg.MetadataValue.text(
                             ", ".join(f"{a}..{b}" for a, b in plan.uncovered) or "none"),
                         "api_requests": dg.MetadataValue.int(0)}
            else:
                context.log.info(f"loading {window_start}..{window_end} into the warehouse at {warehouse.describe()}")
                with slice_lock(engine, f"{SOURCE} {workspace_id}"):
                    client = toggl.client(log=context.log)
                    try:
                        fetch = extract_profitability(
                            client, engine, workspace_id, window_start, window_end, currency=currency, options=options,
                            run_id=context.run.run_id, resume_max_age=toggl.resume_max_age, log=context.log,
                        )
                    finally:
                        client.close()
                    loads = [load_profitability_fetch(engine, fetch.fetch_id)]
                extra = {"mode": dg.MetadataValue.text("fetch"), "fetch_id": dg.MetadataValue.int(fetch.fetch_id),
                         "api_requests": dg.MetadataValue.int(fetch.requests),
                         "requested_range": dg.MetadataValue.text(f"{start}..{end}")}
                if client.quota.remaining is not None:
                    extra["api_quota_remaining"] = dg.MetadataValue.int(client.quota.remaining)
        for outcome in loads:
            if outcome.unrecognised_columns:
                context.log.warning(
                    f"profitability export of workspace {workspace_id}: columns not recognised, kept in "
                    f"{TABLE}.extra: {', '.join(outcome.unrecognised_columns)}"
                )
            for warning in outcome.warnings:
                context.log.warning(warning)
        metadata = _metadata(loads[-1]) if loads else {"window": dg.MetadataValue.text(f"{window_start}..{window_end}")}
        written = [outcome.stats for outcome in loads if outcome.stats is not None]
        if written:
            for event in table_materializations({TABLE: sum(written[1:], written[0])}, source=key, window=metadata["window"].value):
                context.log_event(event)
        # per partition its own rows; the run's figures once, as the run's observation (partition_metadata)
        return partitioned_result(context, {**metadata, **extra}, profitability_partitions(context.partition_keys, loads))

    return profitability


def _metadata(outcome: ProfitabilityLoad) -> dict[str, dg.MetadataValue]:
    stats = outcome.stats
    return {
        "workspace_id": dg.MetadataValue.int(outcome.workspace_id),
        "format": dg.MetadataValue.text(outcome.file_format),
        "resolution": dg.MetadataValue.text(outcome.resolution),
        "currency": dg.MetadataValue.text(outcome.currency),
        "window": dg.MetadataValue.text(f"{outcome.window_start}..{outcome.window_end}"),
        "files": dg.MetadataValue.int(outcome.files),
        "dagster/row_count": dg.MetadataValue.int(outcome.rows),
        "rows": dg.MetadataValue.int(outcome.rows),
        "periods": dg.MetadataValue.int(outcome.periods),
        "total_seconds": dg.MetadataValue.int(outcome.total_seconds),
        "earnings_in_cents": dg.MetadataValue.int(outcome.earnings_in_cents),
        "unrecognised_columns": dg.MetadataValue.json(list(outcome.unrecognised_columns)),
        "warnings": dg.MetadataValue.json(list(outcome.warnings)),
        "table_changes": dg.MetadataValue.md(
            "| table | staged | inserted | updated | deleted | unchanged |\n|---|---|---|---|---|---|\n"
            + (f"| {TABLE} | {stats.staged} | {stats.inserted} | {stats.updated} | {stats.deleted} | {stats.unchanged} |" if stats else "")
        ),
        # numbers for `toggl-warehouse backfill` ("0 changed, N unchanged")
        **{f"rows_{name}": dg.MetadataValue.int(getattr(stats, name) if stats else 0)
           for name in ("inserted", "updated", "deleted", "unchanged")},
    }
