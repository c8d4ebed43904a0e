"""Backfill (and replay) a date range through Dagster, resumable, with progress, on Dagster's public API only.

Each chunk of days is ONE run over all selected assets for the whole chunk (the partition-range tags
`dagster/asset_partition_range_start/end`): one pass over the API per chunk. How the runs are launched:

- A dagster-daemon runs against the instance (its backfill daemon, and under the QueuedRunCoordinator its
  run-queue daemon, sent a heartbeat within the last 90 s: `DagsterInstance.get_daemon_heartbeats` and
  `get_required_daemon_types`): each chunk becomes one Dagster asset backfill, launched the way the UI launches
  one, with the `launchPartitionBackfill` GraphQL mutation, run in-process by Dagster's own `dagster-graphql`
  command against this instance (one subprocess for all chunks). The assets' single-run backfill policy makes
  each backfill one run; the runs go through the run queue, the run launcher, `max_concurrent_runs` and the
  `toggl_api` pool, they are listed on the UI's Backfills page, and they go on if this command stops. This
  command follows them (`DagsterInstance.get_backfill`, runs by their `dagster/backfill` tag).
- None runs (the CLI's default local path): each chunk's run executes in this process with the job's public
  `execute_in_process` and the range tags (said in one line). No backfill record is written: Dagster has no
  public way to record one without a daemon to carry it out; the runs are on the UI's Runs page, tagged
  `toggl-warehouse/range`, and a failed one can be re-executed from there.
A failed chunk does not stop the others. dagster-graphql's Python client (`DagsterGraphQLClient`) was not used:
it needs a running webserver, which the CLI cannot assume; the `dagster-graphql` command needs none.

Resume: a chunk is skipped (unless `refresh`) only when every date is materialized AND the latest
evaluation of every check of the selected assets passed for those dates, so a chunk whose totals check
failed runs again; a chunk whose backfill is still in progress in the daemon is followed, not submitted
twice. A replay is one run of the `toggl_replay` job over the whole range: no API call, so no chunking.
A failed run is summed up in one line: the cause, not Dagster's wrapper.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from tqdm import tqdm

from toggl_warehouse.dates import date_chunks, yesterday
from toggl_warehouse.assets.failures import failure_line
from toggl_warehouse.assets.partition_metadata import run_figures
from toggl_warehouse.definitions import ALL_TOGGL_JOB, REPLAY_JOB, build_definitions
from toggl_warehouse.partitions import range_tags
from toggl_warehouse.settings import Settings

CONSOLE_LOG_LEVEL = "INFO"
"""What a backfill prints of its runs: pages, quota and warnings; Dagster's DEBUG events stay in the instance."""
RANGE_TAG = "toggl-warehouse/range"
"""Tag of a backfill (and its runs) started by this command: the chunk's dates, so a re-run finds it."""
DAEMON_HEARTBEAT_SECONDS = 90.0
"""A daemon counts as running when it sent a heartbeat this recently (it sends one every 30 s)."""
DAEMON_LOST_SECONDS = 180.0
"""Stop following backfills when the daemon has been silent this long (they stay on the Backfills page)."""
POLL_SECONDS = 1.0
CHECK_HISTORY = 1000
BACKFILL_ID_TAG = "dagster/backfill"
"""Dagster's tag on the runs of a backfill (the UI filters runs by it)."""
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
DAEMONS = ("BACKFILL", "QUEUED_RUN_COORDINATOR")
"""The daemons a backfill needs, of those the instance runs (`get_required_daemon_types`)."""
FINISHED_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
"""A backfill's terminal statuses (`PartitionBackfill.status.value`)."""
REFUSED = "refused: "
LAUNCH_CODE_LOCATION = ("-m", "toggl_warehouse.definitions", "-a", "defs")
"""What `dagster-graphql` loads to resolve the backfills' assets (the code location, from the environment)."""
"""How many past evaluations of each check are read to find the dates whose latest evaluation failed."""


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
    chunk_days: int = 366,
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
        chunk_days: days per run (one run per chunk; with a daemon, one Dagster backfill per chunk).
        refresh: reload chunks that are already materialized.
        instance_home: DAGSTER_HOME of the instance that records the backfills and runs.
        progress: show a progress bar.
    """
    _validate_range(settings, start, end, chunk_days)
    report = BackfillReport(start=start, end=end, assets=[])
    report.notes.extend(_unconfigured_sources(settings))
    defs = build_definitions(settings, freshness=False)
    if not defs.assets:
        return report
    job = defs.resolve_job_def(ALL_TOGGL_JOB)
    keys = _select(defs, selection)
    report.assets = [key.to_user_string() for key in keys]
    asset_graph = defs.resolve_asset_graph()
    with _instance(instance_home) as instance:
        chunks = list(date_chunks(start, end, chunk_days))
        unchecked = {} if refresh else dates_with_failed_checks(instance, asset_graph, keys)
        todo = [chunk for chunk in chunks if refresh or not chunk_done(instance, keys, *chunk, unchecked)]
        results: dict[tuple[date, date], ChunkResult] = {}
        home = _home(instance)
        if todo and daemon_running(instance):
            report.notes.append(
                f"dagster-daemon is running against {home}: submitted {len(todo)} backfill(s) to it "
                "(the UI's Backfills page shows them; they go on if this command stops)"
            )
            results = _through_daemon(instance, keys, todo, len(chunks), progress)
        elif todo:
            report.notes.append(
                f"no dagster-daemon is running against {home}: ran the backfill's runs in this process "
                "(start `dagster dev` or `dagster-daemon run` to hand backfills to the daemon)"
            )
            results = _in_process(job, instance, keys, todo, len(chunks), progress)
        report.chunks = [results.get(chunk) or ChunkResult(*chunk, skipped=True) for chunk in chunks]
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
    defs = build_definitions(settings, freshness=False)
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
        run_id = _execute(job, instance, keys, start, end, ops=ops)
        report.chunks.append(chunk_from_runs(instance, [run_id], start, end))
    return report


# ---- where the runs happen ----------------------------------------------------------------------


def daemon_running(instance: dg.DagsterInstance) -> bool:
    """True when the daemons a backfill needs (backfill; run queue under the QueuedRunCoordinator) beat recently."""
    needed = [name for name in instance.get_required_daemon_types() if name in DAEMONS]
    if "BACKFILL" not in needed:
        return False
    heartbeats = instance.get_daemon_heartbeats()
    now = time.time()
    return all(name in heartbeats and now - heartbeats[name].timestamp <= DAEMON_HEARTBEAT_SECONDS for name in needed)


LAUNCH_MUTATION = """
mutation Launch({params}) {{
{fields}
}}
"""
LAUNCH_FIELD = """  c{i}: launchPartitionBackfill(backfillParams: $p{i}) {{
    __typename
    ... on LaunchBackfillSuccess {{ backfillId }}
    ... on PythonError {{ message }}
    ... on Error {{ message }}
  }}"""


def launch_backfills(
    instance: dg.DagsterInstance, keys: list[dg.AssetKey], chunks: list[tuple[date, date]], total: int
) -> list[str]:
    """One Dagster asset backfill per chunk, launched as the UI launches one (`launchPartitionBackfill`), through
    the `dagster-graphql` command on this instance; returns, in the order of `chunks`, each backfill's id or, when
    Dagster refused that one, `refused: <one line>`. Raises RuntimeError when dagster-graphql gave no answer."""
    params = [_backfill_params(keys, start, end, _number(start, end, chunks, total)) for start, end in chunks]
    document = LAUNCH_MUTATION.format(
        params=", ".join(f"$p{i}: LaunchBackfillParams!" for i in range(len(chunks))),
        fields="\n".join(LAUNCH_FIELD.format(i=i) for i in range(len(chunks))),
    )
    environment = {**os.environ, "DAGSTER_HOME": _home(instance)}
    executable = Path(sys.executable).with_name("dagster-graphql")
    if not executable.exists():  # the runtime set alone (the Docker image) has no dagster-graphql
        raise RuntimeError(
            f"a backfill daemon is running, and launching backfills for it needs dagster-graphql, which is not "
            f"installed in {Path(sys.executable).parent.parent}: install toggl-warehouse[local] (or dagster-graphql "
            f"of Dagster's version), or stop the daemon to run the chunks in this process"
        )
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "answer.json"  # the answer alone: the code server logs to stdout
        command = [str(executable), *LAUNCH_CODE_LOCATION, "-t", document,
                   "-v", json.dumps({f"p{i}": p for i, p in enumerate(params)}), "-o", str(output)]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        try:
            answer = json.loads(output.read_text())
        except (OSError, ValueError):
            lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise RuntimeError(f"dagster-graphql could not launch the backfills: {lines[-1] if lines else done.returncode}") from None
    data = answer.get("data") or {}
    ids = []
    for i in range(len(chunks)):
        launched = data.get(f"c{i}") or {}
        if launched.get("__typename") == "LaunchBackfillSuccess":
            ids.append(launched["backfillId"])
        else:
            message = launched.get("message") or (answer.get("errors") or [{}])[0].get("message") or launched
            ids.append(f"{REFUSED}{str(message).strip().splitlines()[0] if str(message).strip() else launched}")
    return ids


def _backfill_params(keys: list[dg.AssetKey], start: date, end: date, number: str) -> dict:
    return {
        "title": f"toggl-warehouse backfill {start}..{end}{number}",
        "description": f"`toggl-warehouse backfill` of {', '.join(key.to_user_string() for key in keys)}",
        "tags": [{"key": RANGE_TAG, "value": f"{start}..{end}"}],
        "partitionsByAssets": [
            {"assetKey": {"path": list(key.path)}, "partitions": {"range": {"start": start.isoformat(), "end": end.isoformat()}}}
            for key in keys
        ],
    }


def _through_daemon(
    instance: dg.DagsterInstance, keys: list[dg.AssetKey], todo: list[tuple[date, date]], total: int, progress: bool,
) -> dict[tuple[date, date], ChunkResult]:
    """Launch one backfill per chunk (or find the one still in progress), then follow them to the end."""
    ids: dict[tuple[date, date], str] = {}
    new = []
    for chunk in todo:
        in_progress = _in_progress_backfill(instance, keys, *chunk)
        if in_progress:
            ids[chunk] = in_progress
        else:
            new.append(chunk)
    refused: dict[tuple[date, date], ChunkResult] = {}
    try:
        launched = launch_backfills(instance, keys, new, total) if new else []
    except RuntimeError as exc:  # no answer, so nothing was launched
        launched = [f"{REFUSED}{exc}"] * len(new)
    for chunk, backfill_id in zip(new, launched):
        if backfill_id.startswith(REFUSED):
            refused[chunk] = ChunkResult(*chunk, success=False, error=f"Dagster did not launch the backfill: {backfill_id.removeprefix(REFUSED)}")
        else:
            ids[chunk] = backfill_id
    bar = tqdm(total=len(ids), desc="backfill (dagster-daemon)", unit="chunk", disable=not progress)
    silent_since: float | None = None
    try:
        while True:
            finished = sum(_backfill_finished(instance, backfill_id) for backfill_id in ids.values())
            bar.n = finished
            bar.refresh()
            if finished == len(ids):
                break
            if daemon_running(instance):
                silent_since = None
            elif silent_since is None:
                silent_since = time.monotonic()
            elif time.monotonic() - silent_since > DAEMON_LOST_SECONDS:
                break
            time.sleep(POLL_SECONDS)
    finally:
        bar.close()
    results = dict(refused)
    for (start, end), backfill_id in ids.items():
        runs = instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
        chunk = chunk_from_runs(instance, [run.run_id for run in reversed(runs)], start, end)
        backfill = instance.get_backfill(backfill_id)
        if not _backfill_finished(instance, backfill_id):
            chunk.success = False
            chunk.error = (
                f"backfill {backfill_id} is not finished and the dagster-daemon stopped answering; "
                "start it again (it carries on), or run this command again"
            )
        elif backfill is not None and backfill.status.value != "COMPLETED_SUCCESS" and chunk.success:
            chunk.success = False
            chunk.error = _backfill_error(backfill)
        results[(start, end)] = chunk
    return results


def _in_process(
    job: dg.JobDefinition, instance: dg.DagsterInstance, keys: list[dg.AssetKey],
    todo: list[tuple[date, date]], total: int, progress: bool,
) -> dict[tuple[date, date], ChunkResult]:
    """Execute each chunk's run here, one after the other, with the range tags and this command's range tag."""
    results = {}
    bar = tqdm(todo, desc="backfill (in process)", unit="chunk", disable=not progress)
    for start, end in bar:
        bar.set_postfix_str(f"{start}..{end}")
        run_id = _execute(job, instance, keys, start, end, tags={RANGE_TAG: f"{start}..{end}"})
        results[(start, end)] = chunk_from_runs(instance, [run_id], start, end)
    return results


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    keys: list[dg.AssetKey],
    start: date,
    end: date,
    ops: dict | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """One run of `job` over start..end in this process; returns its run id."""
    run_config: dict = {"loggers": {"console": {"config": {"log_level": CONSOLE_LOG_LEVEL, "stack_traces": False}}}}
    if ops:
        run_config["ops"] = ops
    result = job.execute_in_process(
        instance=instance,
        tags={**range_tags(start, end), **(tags or {})},
        asset_selection=keys,
        raise_on_error=False,
        run_config=run_config,
    )
    return result.run_id


def _in_progress_backfill(instance: dg.DagsterInstance, keys: list[dg.AssetKey], start: date, end: date) -> str | None:
    """A backfill of the same assets and dates that this command submitted earlier and the daemon still works on."""
    for backfill in instance.get_backfills(limit=200):
        if (
            backfill.status.value == "REQUESTED"
            and (backfill.tags or {}).get(RANGE_TAG) == f"{start}..{end}"
            and set(backfill.asset_selection or ()) == set(keys)
        ):
            return backfill.backfill_id
    return None


def _backfill_finished(instance: dg.DagsterInstance, backfill_id: str) -> bool:
    backfill = instance.get_backfill(backfill_id)
    if backfill is None or backfill.status.value not in FINISHED_BACKFILL:
        return False
    runs = instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
    return all(run.is_finished for run in runs)


def _backfill_error(backfill) -> str:
    """One line for a backfill (as `DagsterInstance.get_backfill` returns it) that did not end successfully."""
    status = backfill.status.value.lower()
    if backfill.error is not None:
        lines = [line for line in backfill.error.message.splitlines() if line.strip()]
        return f"backfill {backfill.backfill_id} {status}: {lines[0] if lines else 'see the UI'}"
    return f"backfill {backfill.backfill_id} ended {status}; see the UI's Backfills page"


def _number(start: date, end: date, todo: list[tuple[date, date]], total: int) -> str:
    return f" (chunk {todo.index((start, end)) + 1} of {len(todo)})" if total > 1 and len(todo) > 1 else ""


def _home(instance: dg.DagsterInstance) -> str:
    return instance.root_directory


# ---- what a run did ------------------------------------------------------------------------------


def chunk_from_runs(instance: dg.DagsterInstance, run_ids: Sequence[str], start: date, end: date) -> ChunkResult:
    """What the runs of one chunk did (oldest first; the last one decides success), read from the instance."""
    chunk = ChunkResult(start, end, run_id=run_ids[-1] if run_ids else None, success=bool(run_ids))
    if not run_ids:
        chunk.error = "no run was launched; see the UI's Backfills page"
        return chunk
    for run_id in run_ids:
        # The run's own figures are one observation per asset (toggl_warehouse.assets.partition_metadata); each
        # partition's materialization carries only what is true of that day.
        for metadata in run_figures(instance, run_id).values():
            chunk.api_requests += _int(metadata.get("api_requests"))
            chunk.rows += _int(metadata.get("rows_loaded"))
        missing_by_asset = {}
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
            event = entry.dagster_event
            missing = getattr(event.step_materialization_data.materialization.metadata.get("dates_without_fetch"), "value", None)
            if missing and missing != "none":
                missing_by_asset[event.asset_key] = missing
        for key, missing in missing_by_asset.items():
            chunk.notes.append(f"{key.to_user_string()}: no complete fetch stored for {missing}; run a backfill for those dates")
    last = instance.get_run_by_id(run_ids[-1])
    if last is None or last.status != dg.DagsterRunStatus.SUCCESS:
        chunk.success = False
        failures = [
            entry.dagster_event
            for entry in instance.all_logs(run_ids[-1], of_type={dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE})
        ]
        failures.sort(key=lambda event: not event.is_step_failure)  # a step's cause before the run's summary
        chunk.error = failure_line(failures[0]) if failures else f"run {run_ids[-1]} ended {last.status.value.lower() if last else 'missing'}; see the Dagster UI"
        chunk.stack = failure_stack(failures[0]) if failures else None
    return chunk


def record_row_changes(report: BackfillReport, instance_home: Path) -> None:
    """Fill each run's `changes` from the `rows_*` metadata its materializations recorded in the instance, so the
    summary says "rows: 0 changed, 889 unchanged" (left unknown when an asset recorded none, e.g. a failed run)."""
    names = ("inserted", "updated", "deleted", "unchanged")
    if not any(chunk.run_id for chunk in report.chunks):
        return
    with dg.DagsterInstance.from_config(str(instance_home)) as instance:
        for chunk in report.chunks:
            if chunk.skipped or not chunk.run_id:
                continue
            # the run-wide figures of each asset: on its run observation, or (older runs) repeated on every
            # partition's materialization; either way one per asset
            kinds = {dg.DagsterEventType.ASSET_OBSERVATION, dg.DagsterEventType.ASSET_MATERIALIZATION}
            per_asset = {
                record.asset_key: record.asset_event.metadata
                for record in instance.get_records_for_run(chunk.run_id, of_type=kinds).records
                if record.asset_event is not None and "rows_unchanged" in record.asset_event.metadata
            }
            if per_asset and all(f"rows_{name}" in metadata for metadata in per_asset.values() for name in names):
                chunk.changes = {
                    name: sum(int(metadata[f"rows_{name}"].value) for metadata in per_asset.values()) for name in names
                }


def failure_stack(event: dg.DagsterEvent) -> str | None:
    """The full error of a failed step (with causes and stack), for --verbose."""
    error = getattr(event.event_specific_data, "error", None)
    return error.to_string() if error is not None else None


# ---- resume --------------------------------------------------------------------------------------


def chunk_done(
    instance: dg.DagsterInstance, keys: list[dg.AssetKey], start: date, end: date, unchecked: dict[dg.AssetKey, set[str]]
) -> bool:
    """Every date of start..end is materialized for every key, and no check's latest evaluation of one failed."""
    wanted = set(_dates(start, end))
    return all(
        wanted <= instance.get_materialized_partitions(key) and not wanted & unchecked.get(key, set()) for key in keys
    )


def dates_with_failed_checks(instance: dg.DagsterInstance, asset_graph, keys: list[dg.AssetKey]) -> dict[dg.AssetKey, set[str]]:
    """Per asset, the dates whose latest evaluation of one of its checks failed (a WARN check too).

    A check evaluated for a partition counts for that date; one evaluated once for a range run counts for
    every date of the run's range."""
    failed: dict[dg.AssetKey, set[str]] = defaultdict(set)
    run_dates: dict[str, list[str]] = {}
    for check_key in asset_graph.get_check_keys_for_assets(set(keys)):
        latest: dict[str, str] = {}
        history = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=CHECK_HISTORY)
        for record in history:  # newest first
            if record.status.value not in ("SUCCEEDED", "FAILED"):  # planned, in progress, skipped
                continue
            if record.partition is not None:
                dates = [record.partition]
            else:
                if record.run_id not in run_dates:
                    run_dates[record.run_id] = _run_dates(instance, record.run_id)
                dates = run_dates[record.run_id]
            for day in dates:
                latest.setdefault(day, record.status.value)
        failed[check_key.asset_key] |= {day for day, status in latest.items() if status == "FAILED"}
    return dict(failed)


def _run_dates(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    run = instance.get_run_by_id(run_id)
    if run is None:
        return []
    tags = run.tags
    if tags.get(RANGE_START_TAG) and tags.get(RANGE_END_TAG):
        return _dates(date.fromisoformat(tags[RANGE_START_TAG]), date.fromisoformat(tags[RANGE_END_TAG]))
    return [tags[PARTITION_TAG]] if tags.get(PARTITION_TAG) else []


def _dates(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


# ---- instance and selection ----------------------------------------------------------------------


@contextmanager
def _instance(instance_home: Path | None) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance of `instance_home` (else DAGSTER_HOME). Its first use creates its storage; a file
    lock makes two commands started at once on a new home take turns instead of racing the storage migrations."""
    home = instance_home or Path(os.environ.get("DAGSTER_HOME") or ".")
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".toggl-warehouse.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            instance = dg.DagsterInstance.from_config(str(home))
            instance.get_runs(limit=1)  # creates the run, event and schedule storage now, under the lock
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
    with instance:
        yield instance


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
