"""Assets for the profitability projects export: one daily-partitioned asset per workspace in TOGGL_WORKSPACE_IDS.

Thin by design: the work is `pipelines.loads.profitability.load_profitability`. A partition range is one
run (single-run backfill policy) and, widened to whole periods, one export request; all Toggl calls share
the `toggl_api` concurrency pool. Format, resolution, currency and filters are fixed when the code
location loads (TOGGL_CURRENCY, TOGGL_PROFITABILITY_*) and shown in the asset's metadata.
"""

from datetime import date

import dagster as dg

from pipelines.loads.profitability import ProfitabilityLoad, load_profitability
from pipelines.partitions import run_window
from pipelines.settings import ProfitabilityOptions
from pipelines.toggl.resource import TogglResource
from pipelines.warehouse.resource import WarehouseResource

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
) -> dg.AssetsDefinition:
    """The daily-partitioned asset that loads the profitability export of `workspace_id`."""
    key = asset_key_for_workspace(workspace_id)

    @dg.asset(
        key=key,
        description=(
            f"Profitability projects export of workspace {workspace_id} ({options.resolution}, {currency.upper()}, "
            f"{options.file_format}): one row per period x project, whole periods replaced per date window."
        ),
        group_name=GROUP,
        kinds={"python", "postgres"},
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool="toggl_api",
        metadata={
            "workspace_id": workspace_id,
            "table": TABLE,
            "export_parameters": dg.MetadataValue.json(describe_options(currency, options)),
        },
    )
    def profitability(
        context: dg.AssetExecutionContext, toggl: TogglResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        start, end = run_window(context)
        context.log.info(f"loading {start}..{end} into the warehouse at {warehouse.describe()}")
        last = partitions_def.get_last_partition_key()
        client = toggl.client(log=context.log)
        try:
            outcome = load_profitability(
                client,
                warehouse.engine(),
                workspace_id,
                start,
                end,
                currency=currency,
                options=options,
                run_id=context.run.run_id,
                not_after=date.fromisoformat(last) if last else None,
            )
        finally:
            client.close()
        if outcome.unrecognised_columns:
            context.log.warning(
                f"profitability export of workspace {workspace_id}: columns not recognised, kept in "
                f"{TABLE}.extra: {', '.join(outcome.unrecognised_columns)}"
            )
        for warning in outcome.warnings:
            context.log.warning(warning)
        return dg.MaterializeResult(metadata=_metadata(outcome, client.quota.remaining))

    return profitability


def _metadata(outcome: ProfitabilityLoad, quota_remaining: "int | None") -> dict[str, dg.MetadataValue]:
    stats = outcome.stats
    metadata: dict[str, dg.MetadataValue] = {
        "workspace_id": dg.MetadataValue.int(outcome.workspace_id),
        "format": dg.MetadataValue.text(outcome.file_format),
        "resolution": dg.MetadataValue.text(outcome.resolution),
        "currency": dg.MetadataValue.text(outcome.currency),
        "window": dg.MetadataValue.text(f"{outcome.window_start}..{outcome.window_end}"),
        "requested_range": dg.MetadataValue.text(f"{outcome.requested_start}..{outcome.requested_end}"),
        "api_requests": dg.MetadataValue.int(outcome.api_requests),
        "raw_responses_stored": dg.MetadataValue.int(outcome.raw_responses_stored),
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
    }
    if quota_remaining is not None:
        metadata["api_quota_remaining"] = dg.MetadataValue.int(quota_remaining)
    return metadata
