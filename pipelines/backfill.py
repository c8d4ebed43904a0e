"""Backfill (and replay) a date range through Dagster: runs recorded in the instance, resumable, with progress.

Each chunk is ONE run over all selected assets (single-run backfill policy: one pass over the API for
the whole chunk). A chunk whose partitions are all materialized already is skipped unless `refresh`,
so running the same command again after an interruption resumes where it stopped (and a fetch that
failed mid-way resumes from its next page). A replay is one run of the `toggl_replay` job over the
whole range: no API call, so no chunking. A failed run is summed up in one line: the cause, not
Dagster's wrapper.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from tqdm import tqdm

from pipelines.dates import date_chunks, yesterday
from pipelines.assets.failures import failure_line
from pipelines.definitions import ALL_TOGGL_JOB, REPLAY_JOB, build_definitions
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
    stack: str | None = None
    notes: list[str] = field(default_factory=list)
    changes: dict[str, int] | None = None
    """rows inserted / updated / deleted / unchanged by the run (summed `rows_*` metadata); None when not known."""


@dataclass
class BackfillReport:
    """What a backfill did, chunk by chunk."""

    start: date
    end: date
    assets: list[str]
    chunks: list[ChunkResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verb: str = "backfill"

    @property
    def ok(self) -> bool:
        """True when no chunk failed."""
        return all(chunk.success for chunk in self.chunks)

    def summary(self) -> str:
        """A few human lines: runs, skips, API requests, what changed in the rows tables, and the first failure."""
        ran = [c for c in self.chunks if not c.skipped]
        lines = [*self.notes]
        lines.append(
            f"{self.verb} {self.start}..{self.end} of {', '.join(self.assets) or 'nothing'}: {len(ran)} run(s), "
            f"{sum(c.skipped for c in self.chunks)} chunk(s) already done, "
            f"{sum(c.api_requests for c in ran)} API request(s), {self._rows_phrase(ran)}"
        )
        for chunk in ran:
            lines.extend(chunk.notes)
            if not chunk.success:
                lines.append(f"FAILED {chunk.start}..{chunk.end} (run {chunk.run_id}): {chunk.error}")
        return "\n".join(lines)

    @staticmethod
    def _rows_phrase(ran: list[ChunkResult]) -> str:
        """'rows: 0 changed, 889 unchanged' when the runs' changes are known, else '889 row(s) loaded'."""
        if not ran or any(chunk.changes is None for chunk in ran):
            return f"{sum(c.rows for c in ran)} row(s) loaded"
        names = ("inserted", "updated", "deleted", "unchanged")
        total = {name: sum(chunk.changes.get(name, 0) for chunk in ran) for name in names}
        changed = total["inserted"] + total["updated"] + total["deleted"]
        detail = f" ({total['inserted']} inserted, {total['updated']} updated, {total['deleted']} deleted)" if changed else ""
        return f"rows: {changed} changed{detail}, {total['unchanged']} unchanged"


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
    with _instance(instance_home) as instance:
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


def run_replay(
    settings: Settings,
    start: date,
    end: date,
    *,
    selection: Sequence[str] | None = None,
    instance_home: Path | None = None,
) -> BackfillReport:
    """Rebuild [start, end] of the selected assets from the stored fetches: one `toggl_replay` run, no API call."""
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    report = BackfillReport(start=start, end=end, assets=[], verb="replay")
    defs = build_definitions(settings)
    if not defs.assets:
        report.notes.extend(_unconfigured_sources(settings))
        return report
    job = defs.resolve_job_def(REPLAY_JOB)
    keys = _select(defs, selection)
    report.assets = [key.to_user_string() for key in keys]
    ops = {
        assets_def.node_def.name: {"config": {"replay": True}}
        for assets_def in defs.resolve_asset_graph().assets_defs
        if assets_def.keys & set(keys)
    }
    with _instance(instance_home) as instance:
        report.chunks.append(_run_chunk(job, instance, keys, start, end, ops=ops))
    return report


@contextmanager
def _instance(instance_home: Path | None) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance of `instance_home` (DAGSTER_HOME). Its first use creates its SQLite storage;
    a file lock makes two commands started at once on a new home take turns instead of racing the
    storage migrations."""
    if instance_home is not None:
        os.environ["DAGSTER_HOME"] = str(instance_home)
    home = Path(os.environ.get("DAGSTER_HOME") or ".")
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".toggl-warehouse.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            instance = dg.DagsterInstance.get()
            instance.get_runs(limit=1)  # creates the run, event and schedule storage now, under the lock
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
    with instance:
        yield instance


def _run_chunk(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    keys: list[dg.AssetKey],
    start: date,
    end: date,
    ops: dict | None = None,
) -> ChunkResult:
    run_config: dict = {"loggers": {"console": {"config": {"log_level": CONSOLE_LOG_LEVEL, "stack_traces": False}}}}
    if ops:
        run_config["ops"] = ops
    result = job.execute_in_process(
        instance=instance,
        tags=range_tags(start, end),
        asset_selection=keys,
        raise_on_error=False,
        run_config=run_config,
    )
    chunk = ChunkResult(start, end, run_id=result.run_id, success=result.success)
    # A range run records one materialization per partition, all with the run's metadata: count each asset once.
    per_asset = {event.asset_key: event.materialization.metadata for event in result.get_asset_materialization_events()}
    for key, metadata in per_asset.items():
        chunk.api_requests += _int(metadata.get("api_requests"))
        chunk.rows += _int(metadata.get("dagster/row_count"))
        missing = getattr(metadata.get("dates_without_fetch"), "value", None)
        if missing and missing != "none":
            chunk.notes.append(f"{key.to_user_string()}: no complete fetch stored for {missing}; run a backfill for those dates")
    if not result.success:
        failures = [event for event in result.all_events if event.is_step_failure or event.is_run_failure]
        chunk.error = failure_line(failures[0]) if failures else "the run failed; see the Dagster UI"
        chunk.stack = failure_stack(failures[0]) if failures else None
    return chunk


def failure_stack(event: dg.DagsterEvent) -> str | None:
    """The full error of a failed step (with causes and stack), for --verbose."""
    error = getattr(event.event_specific_data, "error", None)
    return error.to_string() if error is not None else None


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
