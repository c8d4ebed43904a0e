"""Assets for saved shared reports: one daily-partitioned asset per report in TOGGL_SHARED_REPORTS.

Thin by design: the work is `pipelines.loads.shared_reports.load_shared_report`. A partition range is
one run (single-run backfill policy) and one pass over the API for the whole range; all Toggl calls
share the `toggl_api` concurrency pool across runs and workers.
"""


import re

import dagster as dg

from pipelines.loads.shared_reports import (
    SharedReportLoad,
    WindowTotals,
    load_shared_report,
)
from pipelines.partitions import run_window
from pipelines.toggl.resource import TogglResource
from pipelines.warehouse.resource import WarehouseResource

GROUP = "toggl_shared_reports"
TOTALS_CHECK = "entries_match_toggl_totals"
TABLES = (
    "toggl.report_time_entries (detailed reports)",
    "toggl.report_summary (summary reports)",
    "toggl.report_weekly (weekly reports)",
    "toggl.report_totals",
    "toggl.report_totals_graph",
    "toggl.report_rates",
    "toggl.clients, projects, tags, tasks, users, user_groups",
)


def asset_key_for_report(report_key: str) -> dg.AssetKey:
    """The asset key of a shared report: toggl/shared_report_<name>."""
    return dg.AssetKey(["toggl", "shared_report_" + re.sub(r"[^A-Za-z0-9_]", "_", report_key).lower()])


def build_shared_report_asset(report_key: str, partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The daily-partitioned asset that loads the shared report named `report_key`."""
    key = asset_key_for_report(report_key)

    @dg.asset(
        key=key,
        description=(
            f"Shared Toggl report '{report_key}': its rows (time entries, summary groups or weekly days, by report "
            "type), totals, graph, rates and dictionaries, replaced per date window."
        ),
        group_name=GROUP,
        kinds={"python", "postgres"},
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool="toggl_api",
        metadata={"report_key": report_key, "tables": dg.MetadataValue.json(list(TABLES))},
        check_specs=[
            dg.AssetCheckSpec(
                TOTALS_CHECK,
                asset=key,
                description=(
                    "The loaded rows add up to the seconds of Toggl's totals for every fetched window, and to its "
                    "billable cents where they carry money (detailed and weekly reports)."
                ),
            )
        ],
    )
    def shared_report(
        context: dg.AssetExecutionContext, toggl: TogglResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        start, end = run_window(context)
        context.log.info(f"loading {start}..{end} into the warehouse at {warehouse.describe()}")
        client = toggl.client(log=context.log)
        try:
            outcome = load_shared_report(
                client,
                warehouse.engine(),
                toggl.shared_report(report_key),
                start,
                end,
                page_size=toggl.page_size,
                run_id=context.run.run_id,
            )
        finally:
            client.close()
        return dg.MaterializeResult(
            metadata=_metadata(outcome, client.quota.remaining),
            check_results=[_totals_check(outcome)],
        )

    return shared_report


def _metadata(outcome: SharedReportLoad, quota_remaining: "int | None") -> dict[str, dg.MetadataValue]:
    rows = outcome.rows
    metadata: dict[str, dg.MetadataValue] = {
        "report_key": dg.MetadataValue.text(outcome.report_key),
        "report_type": dg.MetadataValue.text(outcome.report_type or "unknown"),
        "rows_table": dg.MetadataValue.text(outcome.rows_table or "none"),
        "window": dg.MetadataValue.text(f"{outcome.window_start}..{outcome.window_end}"),
        "fetched_windows": dg.MetadataValue.int(len(outcome.windows)),
        "api_requests": dg.MetadataValue.int(outcome.api_requests),
        "pages": dg.MetadataValue.int(outcome.pages),
        "raw_responses_stored": dg.MetadataValue.int(outcome.raw_responses_stored),
        "dagster/row_count": dg.MetadataValue.int(rows.staged if rows else 0),
        "tracked_seconds": dg.MetadataValue.int(sum(w.loaded_seconds for w in outcome.windows)),
        "billable_amount_in_cents": dg.MetadataValue.int(sum(_billable_cents(w) for w in outcome.windows)),
        "table_changes": dg.MetadataValue.md(_changes_table(outcome)),
    }
    if quota_remaining is not None:
        metadata["api_quota_remaining"] = dg.MetadataValue.int(quota_remaining)
    return metadata


def _billable_cents(window: WindowTotals) -> int:
    """The loaded rows' billable cents; Toggl's total for a type whose rows carry no money (summary)."""
    loaded = window.loaded_billable_amount_in_cents
    return window.toggl_billable_amount_in_cents if loaded is None else loaded


def _changes_table(outcome: SharedReportLoad) -> str:
    lines = ["| table | staged | inserted | updated | deleted | unchanged |", "|---|---|---|---|---|---|"]
    for table, stats in outcome.table_stats.items():
        lines.append(f"| {table} | {stats.staged} | {stats.inserted} | {stats.updated} | {stats.deleted} | {stats.unchanged} |")
    return "\n".join(lines)


def _totals_check(outcome: SharedReportLoad) -> dg.AssetCheckResult:
    disagreements = [
        f"{w.window_start}..{w.window_end}: loaded {w.loaded_seconds} s"
        + ("" if w.loaded_billable_amount_in_cents is None else f" / {w.loaded_billable_amount_in_cents} c")
        + f", Toggl {w.toggl_seconds} s / {w.toggl_billable_amount_in_cents} c"
        for w in outcome.windows
        if not w.agrees
    ]
    return dg.AssetCheckResult(
        check_name=TOTALS_CHECK,
        passed=not disagreements,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "windows_checked": dg.MetadataValue.int(len(outcome.windows)),
            "compared": dg.MetadataValue.text(
                "seconds" if any(w.loaded_billable_amount_in_cents is None for w in outcome.windows) else "seconds and billable cents"
            ),
            "disagreements": dg.MetadataValue.text("; ".join(disagreements) or "none"),
        },
    )
