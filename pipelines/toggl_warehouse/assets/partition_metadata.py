"""Metadata that is true where Dagster shows it: each partition's own numbers on its materialization, the
run's figures once, on the run.

A partition range is one run (single-run backfill policy), and Dagster records one materialization per
partition of it. What `MaterializeResult(metadata=...)` carries is copied onto every one of them, so a
30-day run would claim its 364 rows on each day. Instead:

- per partition (`context.add_asset_metadata(..., partition_key=day)`): numbers that describe that day
  (`dagster/row_count`: the rows the day holds in the source's rows table), or nothing when the source has
  no per-day figure (a summary report's rows are per fetched window);
- shared by every partition: only what is true of each of them (which report/workspace, fetch, mode, and the
  window whose replace included the day);
- the run's figures (API requests, pages, rows and changes summed over the range, totals, table changes):
  ONE `AssetObservation` of the asset per run, without a partition (`RUN_FIGURES` is its description).
  `run_figures(instance, run_id)` reads them back, per asset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg
import pandas as pd

from toggl_warehouse.dates import period_start
from toggl_warehouse.load.profitability import ProfitabilityLoad
from toggl_warehouse.load.report_kinds import KINDS
from toggl_warehouse.load.shared_reports import SharedReportLoad

RUN_FIGURES = "figures of the whole run (every partition it materialized)"
"""Description of the one observation per run that carries the run-wide metadata."""

SHARED_KEYS = frozenset({
    "report_key", "report_type", "rows_table", "mode", "fetch_id", "workspace_id", "format", "resolution",
    "currency", "window", "dates_without_fetch",
})
"""Metadata true of every partition of a run, kept on each partition's materialization (no numbers: which
source, fetch and mode, the replaced window, and for a replay the dates of the run it could not rebuild)."""

_RENAMED = {"dagster/row_count": "rows_loaded"}
"""Run-wide figures under Dagster's per-partition names, renamed on the run's observation."""


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


def _days(first: date, last: date) -> Iterable[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def shared_report_partitions(partition_keys: Sequence[str], loads: Sequence[SharedReportLoad]) -> dict[str, dict[str, Any]]:
    """Per partition: the rows the day holds in the report's rows table after the loads (oldest load first;
    a later load of a day replaces an earlier one). Only for report types whose rows carry a date (detailed,
    weekly), and only for days a load replaced; a summary report has no per-day figure."""
    rows: dict[str, int] = {}
    for load in loads:
        kind = KINDS.get(load.report_type)
        if kind is None or kind.date_column is None:
            continue
        by_day = {_day(day): count for day, count in load.rows_by_date.items()}
        for day in _days(load.window_start, load.window_end):
            rows[day.isoformat()] = by_day.get(day.isoformat(), 0)
    wanted = set(partition_keys)
    return {day: {"dagster/row_count": dg.MetadataValue.int(count)} for day, count in rows.items() if day in wanted}


def profitability_partitions(partition_keys: Sequence[str], loads: Sequence[ProfitabilityLoad]) -> dict[str, dict[str, Any]]:
    """Per partition: with daily periods, the rows of that day in `toggl.profitability_projects`
    (`dagster/row_count`); with weekly or monthly periods, the period the day belongs to and that period's
    rows (`period_start`, `period_rows`): a day of a week is not a row of its own."""
    out: dict[str, dict[str, Any]] = {}
    for load in loads:
        by_period = {_day(period): count for period, count in load.rows_by_period.items()}
        for key in partition_keys:
            day = date.fromisoformat(key)
            if not load.window_start <= day <= load.window_end:
                continue
            begin = period_start(day, load.resolution)
            count = by_period.get(begin.isoformat(), 0)
            if load.resolution == "day":
                out[key] = {"dagster/row_count": dg.MetadataValue.int(count)}
            else:
                out[key] = {"period_start": dg.MetadataValue.text(begin.isoformat()), "period_rows": dg.MetadataValue.int(count)}
    return out


def partitioned_result(
    context: dg.AssetExecutionContext,
    run_metadata: Mapping[str, Any],
    per_partition: Mapping[str, Mapping[str, Any]],
    *,
    check_results: Sequence[dg.AssetCheckResult] = (),
) -> dg.MaterializeResult:
    """Record `per_partition` on each partition, `run_metadata` once as the run's observation, and return the
    `MaterializeResult` holding only what is true of every partition."""
    keys = list(context.partition_keys) if context.has_partition_key_range or context.has_partition_key else []
    for key in keys:
        context.add_asset_metadata(dict(per_partition.get(key, {})), partition_key=key)
    figures = {_RENAMED.get(name, name): value for name, value in run_metadata.items()}
    if keys:
        figures["partitions"] = dg.MetadataValue.text(f"{keys[0]}..{keys[-1]} ({len(keys)})")
    context.log_event(dg.AssetObservation(asset_key=context.asset_key, description=RUN_FIGURES, metadata=figures))
    return dg.MaterializeResult(
        metadata={name: value for name, value in run_metadata.items() if name in SHARED_KEYS},
        check_results=list(check_results),
    )


def run_figures(instance: dg.DagsterInstance, run_id: str) -> dict[dg.AssetKey, Mapping[str, dg.MetadataValue]]:
    """The run-wide figures each asset recorded in run `run_id` (its `RUN_FIGURES` observation)."""
    figures: dict[dg.AssetKey, Mapping[str, dg.MetadataValue]] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION):
        observation = entry.dagster_event.asset_observation_data.asset_observation
        if observation.description == RUN_FIGURES:
            figures[observation.asset_key] = observation.metadata
    return figures
