"""Backfill a date range through Dagster: chunked runs recorded in the instance, resumable, with progress.

Each chunk is ONE run over all selected assets (single-run backfill policy: one pass over the API for
the whole chunk). A chunk whose partitions are all materialized already is skipped unless `refresh`,
so running the same command again after an interruption resumes where it stopped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from tqdm import tqdm

from pipelines.dates import date_chunks, yesterday
from pipelines.definitions import ALL_TOGGL_JOB, build_definitions
from pipelines.partitions import range_tags
from pipelines.settings import Settings

CONSOLE_LOG_LEVEL = "INFO"
"""What a backfill prints of its runs: pages, quota and warnings; Dagster's DEBUG events stay in the instance."""


@dataclass
class ChunkResult:
    """One chunk of the backfill: its dates, and what its run did (or that it was skipped)."""

    start: date
    end: date
    skipped: bool = False
    run_id: str | None = None
    success: bool = True
    api_requests: int = 0
    rows: int = 0
    error: str | None = None


@dataclass
class BackfillReport:
    """What a backfill did, chunk by chunk."""

    start: date
    end: date
    assets: list[str]
    chunks: list[ChunkResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no chunk failed."""
        return all(chunk.success for chunk in self.chunks)

    def summary(self) -> str:
        """A few human lines: runs, skips, API requests, rows, and the first failure."""
        ran = [c for c in self.chunks if not c.skipped]
        lines = [*self.notes]
        lines.append(
            f"backfill {self.start}..{self.end} of {', '.join(self.assets) or 'nothing'}: {len(ran)} run(s), "
            f"{sum(c.skipped for c in self.chunks)} chunk(s) already done, "
            f"{sum(c.api_requests for c in ran)} API request(s), {sum(c.rows for c in ran)} row(s) loaded"
        )
        for chunk in ran:
            if not chunk.success:
                lines.append(f"FAILED {chunk.start}..{chunk.end} (run {chunk.run_id}): {chunk.error}")
        return "\n".join(lines)


def run_backfill(
    settings: Settings,
    start: date,
    end: date,
    *,
    selection: Sequence[str] | None = None,
    chunk_days: int = 92,
    refresh: bool = False,
    instance_home: Path | None = None,
    progress: bool = True,
) -> BackfillReport:
    """Materialize [start, end] for the selected assets (default: every configured source).

    Args:
        settings: the configuration (sources, credentials, warehouse).
        start: first date.
        end: last date, inclusive.
        selection: asset names, asset paths or report names; all configured sources when None.
        chunk_days: days per run.
        refresh: reload chunks that are already materialized.
        instance_home: DAGSTER_HOME of the instance that records the runs.
        progress: show a progress bar.
    """
    _validate_range(settings, start, end, chunk_days)
    report = BackfillReport(start=start, end=end, assets=[])
    report.notes.extend(_unconfigured_sources(settings))
    defs = build_definitions(settings)
    if not defs.assets:
        return report
    job = defs.resolve_job_def(ALL_TOGGL_JOB)
    keys = _select(defs, selection)
    report.assets = [key.to_user_string() for key in keys]
    if instance_home is not None:
        os.environ["DAGSTER_HOME"] = str(instance_home)
    with dg.DagsterInstance.get() as instance:
        chunks = list(date_chunks(start, end, chunk_days))
        bar = tqdm(chunks, desc="backfill", unit="chunk", disable=not progress)
        for chunk_start, chunk_end in bar:
            bar.set_postfix_str(f"{chunk_start}..{chunk_end}")
            if not refresh and _already_materialized(instance, keys, chunk_start, chunk_end):
                report.chunks.append(ChunkResult(chunk_start, chunk_end, skipped=True))
                continue
            report.chunks.append(_run_chunk(job, instance, keys, chunk_start, chunk_end))
            if not report.chunks[-1].success:
                break
    return report


def _run_chunk(job: dg.JobDefinition, instance: dg.DagsterInstance, keys: list[dg.AssetKey], start: date, end: date) -> ChunkResult:
    result = job.execute_in_process(
        instance=instance,
        tags=range_tags(start, end),
        asset_selection=keys,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": CONSOLE_LOG_LEVEL}}}},
    )
    chunk = ChunkResult(start, end, run_id=result.run_id, success=result.success)
    # A range run records one materialization per partition, all with the run's metadata: count each asset once.
    per_asset = {event.asset_key: event.materialization.metadata for event in result.get_asset_materialization_events()}
    for metadata in per_asset.values():
        chunk.api_requests += _int(metadata.get("api_requests"))
        chunk.rows += _int(metadata.get("dagster/row_count"))
    if not result.success:
        failures = [event.event_specific_data.error.message.strip() for event in result.all_events if event.is_step_failure]
        chunk.error = failures[0] if failures else "the run failed; see the Dagster UI"
    return chunk


def _already_materialized(instance: dg.DagsterInstance, keys: list[dg.AssetKey], start: date, end: date) -> bool:
    wanted = {(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)}
    return all(wanted <= instance.get_materialized_partitions(key) for key in keys)


def _select(defs: dg.Definitions, selection: Sequence[str] | None) -> list[dg.AssetKey]:
    available = {spec.key for spec in defs.resolve_all_asset_specs()}
    if not selection:
        return sorted(available, key=lambda key: key.to_user_string())
    chosen: list[dg.AssetKey] = []
    for name in selection:
        matches = [
            key
            for key in available
            if name in (key.to_user_string(), key.path[-1], key.path[-1].removeprefix("shared_report_"), key.path[-1].removeprefix("profitability_"))
        ]
        if not matches:
            names = ", ".join(sorted(key.to_user_string() for key in available))
            raise ValueError(f"--select: no asset or report named {name!r}; available: {names}")
        chosen.extend(key for key in matches if key not in chosen)
    return chosen


def _unconfigured_sources(settings: Settings) -> list[str]:
    notes = []
    if not settings.shared_reports:
        notes.append("note: no TOGGL_SHARED_REPORTS configured; shared reports skipped")
    if (settings.shared_reports or settings.workspace_ids) and not settings.has_credentials:
        notes.append("note: no TOGGL_API_TOKEN (or TOGGL_EMAIL/TOGGL_PASSWORD); only public shared reports can be read")
    if not settings.workspace_ids:
        notes.append("note: no TOGGL_WORKSPACE_IDS configured; profitability export skipped")
    return notes


def _validate_range(settings: Settings, start: date, end: date, chunk_days: int) -> None:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    if start < settings.start_date:
        raise ValueError(f"--start {start} is before TOGGL_START_DATE {settings.start_date}, the first daily partition")
    last = yesterday(settings.timezone)
    if end > last:
        raise ValueError(f"--end {end} is after {last}, the last complete day in {settings.timezone}")
    if chunk_days < 1:
        raise ValueError("--chunk-days must be at least 1")


def _int(value: object) -> int:
    raw = getattr(value, "value", value)
    return int(raw) if isinstance(raw, (int, float)) else 0
