"""Assets for saved shared reports: one daily-partitioned asset per report in TOGGL_SHARED_REPORTS.

Thin by design: extract (`toggl_warehouse.extract.shared_reports`) → check and load
(`toggl_warehouse.load.shared_reports`, gated by `toggl_warehouse.check.gate`), under the report's slice lock. With
`replay: true` in the run config (the `toggl_replay` job) the tables are rebuilt from the stored fetches
instead, with zero API calls. A partition range is one run (single-run backfill policy) and one pass over
the API for the whole range; all Toggl calls share the `toggl_api` concurrency pool across runs and workers.
"""

import re
from collections.abc import Sequence

import dagster as dg
from pydantic import Field

from toggl_warehouse.assets.failures import one_line_failures
from toggl_warehouse.assets.partition_metadata import partitioned_result, shared_report_partitions
from toggl_warehouse.assets.specs import SpecOverride, asset_arguments, unchanged
from toggl_warehouse.assets.warehouse import OWNERS, table_materializations
from toggl_warehouse.check.gate import WindowTotals
from toggl_warehouse.extract.shared_reports import SOURCE, extract_shared_report
from toggl_warehouse.load.replay import replay_plan
from toggl_warehouse.load.report_kinds import tables_written
from toggl_warehouse.load.shared_reports import SharedReportLoad, load_shared_report_fetch
from toggl_warehouse.load.window import LoadStats
from toggl_warehouse.partitions import run_window
from toggl_warehouse.resources import TogglResource, WarehouseResource
from toggl_warehouse.warehouse.locks import slice_lock

GROUP = "toggl_shared_reports"
TOTALS_CHECK = "entries_match_toggl_totals"
class SourceRunConfig(dg.Config):
    """Run configuration of a source asset."""

    replay: bool = Field(
        default=False,
        description="Rebuild the tables for the run's dates from the complete fetches stored in toggl_raw, with zero API calls.",
    )


def asset_key_for_report(report_key: str) -> dg.AssetKey:
    """The asset key of a shared report: toggl/shared_report_<name>."""
    return dg.AssetKey(["toggl", "shared_report_" + re.sub(r"[^A-Za-z0-9_]", "_", report_key).lower()])


def build_shared_report_asset(
    report_key: str,
    partitions_def: dg.PartitionsDefinition,
    *,
    deps: Sequence[dg.AssetKey] = (),
    spec: SpecOverride = unchanged,
) -> dg.AssetsDefinition:
    """The daily-partitioned asset that loads the shared report named `report_key` (`deps`: what it reads, Toggl;
    `spec`: overrides the asset's default attributes, e.g. its key and group)."""
    attributes = spec(dg.AssetSpec(
        asset_key_for_report(report_key),
        description=(
            f"Shared Toggl report '{report_key}': its rows (time entries, summary groups or weekly days, by report "
            "type), totals, graph, rates and dictionaries, fetched into toggl_raw, checked against Toggl's totals, "
            "then replaced per date window."
        ),
        group_name=GROUP,
        kinds={"python", "toggl", "postgres"},
        owners=OWNERS,
        deps=list(deps),
        metadata={"report_key": report_key, "tables": dg.MetadataValue.json(tables_written())},
    ))
    key = attributes.key

    @dg.asset(
        **asset_arguments(attributes),
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool="toggl_api",
        check_specs=[
            dg.AssetCheckSpec(
                TOTALS_CHECK,
                asset=key,
                description=(
                    "The loaded rows add up to the seconds of Toggl's totals for every fetched window, and to its "
                    "billable cents where they carry money (detailed and weekly reports). In the default gate mode a "
                    "fetch that does not add up is never loaded."
                ),
            )
        ],
    )
    def shared_report(
        context: dg.AssetExecutionContext, config: SourceRunConfig, toggl: TogglResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        start, end = run_window(context)
        what = f"shared report '{report_key}' {start}..{end}"
        engine = None
        with one_line_failures(what):
            engine = warehouse.prepare(context.log)
        with one_line_failures(what, engine):
            if config.replay:
                plan = replay_plan(engine, SOURCE, start, end, report_key=report_key)
                for gap_start, gap_end in plan.uncovered:
                    context.log.warning(f"{what}: no complete fetch is stored for {gap_start}..{gap_end}; those dates were not replayed")
                loads = [load_shared_report_fetch(engine, fid, totals_gate=warehouse.totals_gate) for fid in plan.fetch_ids]
                extra = {
                    "mode": dg.MetadataValue.text("replay (no API call)"),
                    "replayed_fetch_ids": dg.MetadataValue.json(plan.fetch_ids),
                    "dates_without_fetch": dg.MetadataValue.text(
                        ", ".join(f"{a}..{b}" for a, b in plan.uncovered) or "none"),
                    "api_requests": dg.MetadataValue.int(0),
                }
            else:
                context.log.info(f"loading {start}..{end} into the warehouse at {warehouse.describe()}")
                with slice_lock(engine, f"{SOURCE} {report_key}"):
                    client = toggl.client(log=context.log)
                    try:
                        fetch = extract_shared_report(
                            client, engine, toggl.shared_report(report_key), start, end, page_size=toggl.page_size,
                            run_id=context.run.run_id, resume_max_age=toggl.resume_max_age, log=context.log,
                        )
                    finally:
                        client.close()
                    loads = [load_shared_report_fetch(engine, fetch.fetch_id, totals_gate=warehouse.totals_gate)]
                extra = {
                    "mode": dg.MetadataValue.text("fetch"),
                    "fetch_id": dg.MetadataValue.int(fetch.fetch_id),
                    "api_requests": dg.MetadataValue.int(fetch.requests),
                    "pages_resumed": dg.MetadataValue.int(fetch.resumed_pages),
                }
                if client.quota.remaining is not None:
                    extra["api_quota_remaining"] = dg.MetadataValue.int(client.quota.remaining)
        for load in loads:
            for warning in load.warnings:
                context.log.warning(warning)
        extra.update(_change_log_metadata(loads))
        run_metadata = {**_metadata(report_key, loads), **extra}
        for event in table_materializations(_table_stats(loads), source=key, window=run_metadata["window"].value):
            context.log_event(event)
        # per partition its own rows; the run's figures once, as the run's observation (partition_metadata)
        return partitioned_result(
            context, run_metadata, shared_report_partitions(context.partition_keys, loads),
            check_results=[_totals_check(loads)],
        )

    return shared_report


def _metadata(report_key: str, loads: list[SharedReportLoad]) -> dict[str, dg.MetadataValue]:
    windows = [window for load in loads for window in load.windows]
    rows = [load.rows for load in loads if load.rows]
    return {
        "report_key": dg.MetadataValue.text(report_key),
        "report_type": dg.MetadataValue.text(", ".join(sorted({load.report_type for load in loads})) or "none"),
        "rows_table": dg.MetadataValue.text(", ".join(sorted({load.rows_table for load in loads})) or "none"),
        "window": dg.MetadataValue.text(
            f"{min(w.window_start for w in windows)}..{max(w.window_end for w in windows)}" if windows else "none"),
        "fetched_windows": dg.MetadataValue.int(len(windows)),
        "pages": dg.MetadataValue.int(sum(load.pages for load in loads)),
        "dagster/row_count": dg.MetadataValue.int(rows[-1].staged if rows else 0),
        "tracked_seconds": dg.MetadataValue.int(sum(w.loaded_seconds for w in windows)),
        "billable_amount_in_cents": dg.MetadataValue.int(sum(_billable_cents(w) for w in windows)),
        "table_changes": dg.MetadataValue.md(_changes_table(loads)),
        # what the loads did to the rows table, as numbers (`toggl-warehouse backfill` prints "0 changed, N unchanged")
        **{f"rows_{name}": dg.MetadataValue.int(sum(getattr(stats, name) for stats in rows))
           for name in ("inserted", "updated", "deleted", "unchanged")},
    }


def _change_log_metadata(loads: list[SharedReportLoad]) -> dict[str, dg.MetadataValue]:
    """How many inserts, updates and deletes the run applied to time entries, and where to read them."""
    counts = {kind: sum(load.entry_changes.get(kind, 0) for load in loads) for kind in ("insert", "update", "delete")}
    fetch_ids = ", ".join(str(load.fetch_id) for load in loads) or "none"
    return {
        "time_entry_changes": dg.MetadataValue.json(counts),
        "time_entry_changes_query": dg.MetadataValue.text(
            f"SELECT * FROM reporting.time_entry_changes WHERE fetch_id IN ({fetch_ids}) ORDER BY changed_at"
        ),
    }


def _billable_cents(window: WindowTotals) -> int:
    """The loaded rows' billable cents; Toggl's total for a type whose rows carry no money (summary)."""
    loaded = window.loaded_billable_amount_in_cents
    return (window.toggl_billable_amount_in_cents or 0) if loaded is None else loaded


def _table_stats(loads: list[SharedReportLoad]) -> dict[str, LoadStats]:
    """What the loads did to each table, summed."""
    combined: dict[str, LoadStats] = {}
    for load in loads:
        for table, stats in load.table_stats.items():
            combined[table] = combined[table] + stats if table in combined else stats
    return combined


def _changes_table(loads: list[SharedReportLoad]) -> str:
    combined = _table_stats(loads)
    lines = ["| table | staged | inserted | updated | deleted | unchanged |", "|---|---|---|---|---|---|"]
    for table, stats in combined.items():
        lines.append(f"| {table} | {stats.staged} | {stats.inserted} | {stats.updated} | {stats.deleted} | {stats.unchanged} |")
    return "\n".join(lines)


def _totals_check(loads: list[SharedReportLoad]) -> dg.AssetCheckResult:
    windows = [window for load in loads for window in load.windows]
    disagreements = [w.describe() for w in windows if not w.agrees]
    return dg.AssetCheckResult(
        check_name=TOTALS_CHECK,
        passed=not disagreements,
        severity=dg.AssetCheckSeverity.WARN,  # in "error" gate mode a disagreeing fetch never got this far
        metadata={
            "windows_checked": dg.MetadataValue.int(len(windows)),
            "compared": dg.MetadataValue.text(
                "seconds" if any(w.loaded_billable_amount_in_cents is None for w in windows) else "seconds and billable cents"
            ),
            "disagreements": dg.MetadataValue.text("; ".join(disagreements) or "none"),
        },
    )
