"""Asset checks across sources: the profitability export agrees with a shared detailed report.

`earnings_match_shared_report` compares, for the date window a run just loaded, per project (name and
client), the profitability export's `earnings_in_cents` with the sum of `billable_amount_in_cents` of the
reference shared report's time entries (TOGGL_RECONCILE_REPORT, default the first of
TOGGL_SHARED_REPORTS), and `total_seconds` with the entries' seconds. Both come from the same Toggl
entries, so they must agree to the cent and the second. Money is compared only for projects whose report
currency equals the export currency (Toggl converts other currencies at its own rates, which no report
shows); seconds are compared for every project.

Why an `@asset_check` and not a check_spec evaluated inside the profitability asset: the check reads
another asset's table. Declared as a separate check with `additional_deps` on the reference report's
asset, Dagster runs it after BOTH assets in a run that holds both (a check inside the profitability
asset could run before the report of the same run has landed and compare against yesterday's data);
it can also be re-run on its own (UI "Execute check", or a job selecting only the check) after a manual
fix, without calling Toggl again. It is partitioned like the asset, so it gets the run's date range.

Only periods that the reference report fully covers are compared: the report's loaded windows are read
from `toggl_raw.fetches` (the complete fetches it was loaded from), and a week/month period is compared only when
every one of its days (up to the last complete day) lies in those windows. No such period: the check
passes with the note "no reference report loaded for this window". Known limits, each reported as a
note with the check passing: a reference report that shares no project with the workspace (a report of
another workspace), and duration rounding (TOGGL_PROFITABILITY_ROUNDING / _MINUTES) which the report does not apply.
With export filters (billable, client_ids, project_ids) only the exported projects are compared. The
reference report itself must not be filtered (by user, project, ...), or its totals cannot match.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import json

import dagster as dg
import sqlalchemy as sa

from toggl_warehouse.assets.profitability import asset_key_for_workspace
from toggl_warehouse.assets.shared_reports import asset_key_for_report
from toggl_warehouse.dates import period_end, period_start, period_starts
from toggl_warehouse.extract.profitability import period_window
from toggl_warehouse.settings import ProfitabilityOptions
from toggl_warehouse.resources import WarehouseResource

EARNINGS_CHECK = "earnings_match_shared_report"
NO_REFERENCE = "no reference report loaded for this window"


@dataclass(frozen=True)
class ProjectComparison:
    """One project (by name and client) in both sources over the compared periods."""

    project_name: str
    client_name: str
    report_currencies: tuple[str, ...]
    export_seconds: int
    report_seconds: int
    export_earnings_in_cents: int
    report_billable_amount_in_cents: int
    money_compared: bool

    @property
    def agrees(self) -> bool:
        """Seconds equal, and (when comparable) the cents too."""
        seconds_ok = self.export_seconds == self.report_seconds
        money_ok = not self.money_compared or self.export_earnings_in_cents == self.report_billable_amount_in_cents
        return seconds_ok and money_ok


@dataclass
class EarningsReconciliation:
    """The outcome of comparing one workspace's export with the reference report over a window."""

    workspace_id: int
    reference_report: str | None
    window_start: date
    window_end: date
    periods: list[date] = field(default_factory=list)
    projects: list[ProjectComparison] = field(default_factory=list)
    note: str | None = None

    @property
    def disagreements(self) -> list[ProjectComparison]:
        return [project for project in self.projects if not project.agrees]

    @property
    def passed(self) -> bool:
        return not self.disagreements


def reconcile_earnings(
    engine: sa.Engine,
    *,
    workspace_id: int,
    currency: str,
    options: ProfitabilityOptions,
    reference_report: str | None,
    start: date,
    end: date,
    not_after: date | None = None,
) -> EarningsReconciliation:
    """Compare the loaded export of `workspace_id` with the loaded `reference_report` for [start, end]
    (widened to whole periods exactly as the load widens it), summed over the compared periods. Reads the
    warehouse only."""
    return reconcile_earnings_by_period(
        engine, workspace_id=workspace_id, currency=currency, options=options, reference_report=reference_report,
        start=start, end=end, not_after=not_after,
    )[0]


def reconcile_earnings_by_period(
    engine: sa.Engine,
    *,
    workspace_id: int,
    currency: str,
    options: ProfitabilityOptions,
    reference_report: str | None,
    start: date,
    end: date,
    not_after: date | None = None,
) -> tuple[EarningsReconciliation, dict[date, EarningsReconciliation]]:
    """`reconcile_earnings` over the whole window, and the same comparison for each period of the window on its
    own (keyed by period start; a period the reference report does not fully cover passes with the note
    `NO_REFERENCE`). The check reports a partition (a day) with the outcome of the period holding it."""
    resolution, currency = options.resolution, currency.lower()
    window_start, window_end = period_window(start, end, resolution, not_after=not_after)
    outcome = EarningsReconciliation(workspace_id, reference_report, window_start, window_end)
    all_periods = [p for p in period_starts(window_start, window_end, resolution) if p <= window_end]

    def single(period: date, note: str | None = None) -> EarningsReconciliation:
        last = min(period_end(period, resolution), window_end)
        return EarningsReconciliation(workspace_id, reference_report, period, last, note=note)

    if reference_report is None:
        outcome.note = f"{NO_REFERENCE} (no shared report configured)"
        return outcome, {p: single(p, outcome.note) for p in all_periods}
    if options.rounding is not None or options.rounding_minutes:
        outcome.note = "TOGGL_PROFITABILITY_ROUNDING(_MINUTES) is set: the export's durations may be rounded, the report's are not; nothing compared"
        return outcome, {p: single(p, outcome.note) for p in all_periods}
    with engine.connect() as conn:
        covered = _covered_days(conn, reference_report, window_start, window_end)
        outcome.periods = [
            begin for begin in all_periods if _days(begin, min(period_end(begin, resolution), window_end)) <= covered
        ]
        per_period = {p: single(p, None if p in outcome.periods else NO_REFERENCE) for p in all_periods}
        if not outcome.periods:
            outcome.note = NO_REFERENCE
            return outcome, per_period
        exported = _export_totals(conn, workspace_id, resolution, currency, outcome.periods)
        reported = _report_totals(conn, reference_report, resolution, outcome.periods, window_end)
    if options.billable is not None or options.client_ids or options.project_ids:
        exported_projects = {project for _period, project in exported}
        reported = {key: value for key, value in reported.items() if key[1] in exported_projects}
        outcome.note = "export filters are set: only the exported projects are compared"
    if exported and reported and not ({p for _, p in exported} & {p for _, p in reported}):
        outcome.note = (
            f"shared report '{reference_report}' shares no project with workspace {workspace_id} "
            "(a report of another workspace?); nothing compared - set TOGGL_RECONCILE_REPORT"
        )
        return outcome, {p: single(p, outcome.note) for p in all_periods}
    for period in outcome.periods:
        per_period[period].periods = [period]
        per_period[period].note = outcome.note
        per_period[period].projects = _compare(
            {project: value for (p, project), value in exported.items() if p == period},
            {project: value for (p, project), value in reported.items() if p == period},
            currency,
        )
    outcome.projects = _compare(_sum_periods(exported), _sum_periods(reported), currency)
    return outcome, per_period


def _sum_periods(totals: dict[tuple[date, tuple[str, str]], tuple]) -> dict[tuple[str, str], tuple]:
    """Per project, the totals of all periods (seconds and cents summed, currencies united)."""
    summed: dict[tuple[str, str], tuple] = {}
    for (_period, project), value in totals.items():
        if project not in summed:
            summed[project] = value
            continue
        previous = summed[project]
        summed[project] = (previous[0] + value[0], previous[1] + value[1], *(
            (tuple(sorted(set(previous[2]) | set(value[2]))),) if len(value) > 2 else ()
        ))
    return summed


def _compare(
    exported: dict[tuple[str, str], tuple[int, int]],
    reported: dict[tuple[str, str], tuple[int, int, tuple[str, ...]]],
    currency: str,
) -> list[ProjectComparison]:
    projects = []
    for name, client in sorted(exported.keys() | reported.keys()):
        export_seconds, export_cents = exported.get((name, client), (0, 0))
        report_seconds, report_cents, currencies = reported.get((name, client), (0, 0, ()))
        projects.append(
            ProjectComparison(
                project_name=name,
                client_name=client,
                report_currencies=currencies,
                export_seconds=export_seconds,
                report_seconds=report_seconds,
                export_earnings_in_cents=export_cents,
                report_billable_amount_in_cents=report_cents,
                money_compared=set(currencies) <= {currency},
            )
        )
    return projects


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=offset) for offset in range((last - first).days + 1)}


def _covered_days(conn: sa.Connection, report_key: str, start: date, end: date) -> set[date]:
    """The days of [start, end] inside a window the report was loaded from (complete, loaded fetches)."""
    windows = conn.execute(
        sa.text(
            "SELECT served_start AS window_start, served_end AS window_end FROM toggl_raw.fetches "
            "WHERE source = 'shared_report' AND report_key = :key AND status = 'complete' "
            "AND last_loaded_at IS NOT NULL AND served_start <= :end AND served_end >= :start"
        ),
        {"key": report_key, "start": start, "end": end},
    ).all()
    days: set[date] = set()
    for window in windows:
        days |= _days(max(window.window_start, start), min(window.window_end, end))
    return days


def _export_totals(
    conn: sa.Connection, workspace_id: int, resolution: str, currency: str, periods: list[date]
) -> dict[tuple[date, tuple[str, str]], tuple[int, int]]:
    rows = conn.execute(
        sa.text(
            "SELECT period_start, project_name, client_name, sum(total_seconds) AS seconds, sum(earnings_in_cents) AS cents "
            "FROM toggl.profitability_projects "
            "WHERE workspace_id = :workspace AND resolution = :resolution AND currency = :currency "
            "AND period_start = ANY(:periods) GROUP BY period_start, project_name, client_name"
        ),
        {"workspace": workspace_id, "resolution": resolution, "currency": currency, "periods": periods},
    ).all()
    return {(row.period_start, (row.project_name, row.client_name)): (int(row.seconds), int(row.cents)) for row in rows}


_BUCKET = {
    "day": "entry_date",
    "week": "date_trunc('week', entry_date)::date",
    "month": "date_trunc('month', entry_date)::date",
}


def _report_totals(
    conn: sa.Connection, report_key: str, resolution: str, periods: list[date], window_end: date
) -> dict[tuple[date, tuple[str, str]], tuple[int, int, tuple[str, ...]]]:
    rows = conn.execute(
        sa.text(
            f"SELECT {_BUCKET[resolution]} AS period, coalesce(project_name, '') AS project_name, "
            "coalesce(client_name, '') AS client_name, "
            "sum(seconds) AS seconds, coalesce(sum(billable_amount_in_cents), 0) AS cents, "
            "array_remove(array_agg(DISTINCT lower(currency)), NULL) AS currencies "
            "FROM toggl.report_time_entries "
            f"WHERE report_key = :key AND entry_date BETWEEN :first AND :last AND {_BUCKET[resolution]} = ANY(:periods) "
            "GROUP BY 1, 2, 3"
        ),
        {"key": report_key, "first": min(periods), "last": window_end, "periods": periods},
    ).all()
    return {
        (row.period, (row.project_name, row.client_name)): (int(row.seconds), int(row.cents), tuple(sorted(row.currencies)))
        for row in rows
    }


# ---- Dagster ----------------------------------------------------------------------------------------


def build_earnings_check(
    workspace_id: int,
    partitions_def: dg.TimeWindowPartitionsDefinition,
    *,
    currency: str,
    options: ProfitabilityOptions,
    reference_report: str | None,
    asset_key: dg.AssetKey | None = None,
    reference_key: dg.AssetKey | None = None,
) -> dg.AssetChecksDefinition:
    """The `earnings_match_shared_report` check of the profitability asset of `workspace_id`.

    It is partitioned like the asset, and reports one evaluation per partition of its run, each with the
    outcome of the period holding that day, so the UI's per-partition status and the latest execution agree.
    A run for one partition or a range (with the assets, or the check alone) evaluates those partitions; a run
    without partition (the UI's "Execute" on the check) evaluates every materialized partition of the asset.
    Either way each partition gets its own evaluation, and the run one more without partition, over its whole
    window (the run's figures; failed when any of its days failed), so every status Dagster shows agrees.
    """
    reference = f"shared report '{reference_report}'" if reference_report else "no shared report (passes, comparing nothing)"
    asset_key = asset_key or asset_key_for_workspace(workspace_id)
    if reference_report and reference_key is None:
        reference_key = asset_key_for_report(reference_report)

    @dg.asset_check(
        asset=asset_key,
        name=EARNINGS_CHECK,
        description=(
            f"Per project, the export's earnings (cents, projects in {currency.upper()}) and seconds equal the "
            f"billable amounts and seconds of {reference} over the periods it covers; one result per day (partition), "
            "that of the day's period."
        ),
        additional_deps=[reference_key] if reference_key else None,
        partitions_def=partitions_def,
    )
    def earnings_match_shared_report(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
        partitioned_run = context.has_partition_key or context.has_partition_key_range
        if partitioned_run:
            keys = list(context.partition_keys)
        else:
            keys = sorted(context.instance.get_materialized_partitions(asset_key))
        last = partitions_def.get_last_partition_key()
        if keys:
            outcome, per_period = reconcile_earnings_by_period(
                warehouse.prepare(context.log),
                workspace_id=workspace_id,
                currency=currency,
                options=options,
                reference_report=reference_report,
                start=date.fromisoformat(keys[0]),
                end=date.fromisoformat(keys[-1]),
                not_after=date.fromisoformat(last) if last else None,
            )
        else:
            today = date.fromisoformat(last) if last else date.today()
            outcome = EarningsReconciliation(
                workspace_id, reference_report, today, today,
                note=f"the profitability export of workspace {workspace_id} has no materialized partition yet; nothing compared",
            )
            per_period = {}
        if outcome.disagreements:
            context.log.warning(
                f"profitability export of workspace {workspace_id} disagrees with shared report "
                f"'{reference_report}' for {len(outcome.disagreements)} project(s)"
            )
        targets = _latest_materializations(context.instance, asset_key, keys)
        every_day_passed = True
        for key in keys:
            period = per_period[period_start(date.fromisoformat(key), options.resolution)]
            every_day_passed &= period.passed
            yield _evaluation(asset_key, period, partition=key, target=targets.get(key))
        # the run's own result, over its whole window: failed when any of its days failed
        yield _evaluation(asset_key, outcome, partition=None, target=None, passed=outcome.passed and every_day_passed)
        yield dg.Output(None)

    return earnings_match_shared_report


def _latest_materializations(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, partitions: list[str]
) -> dict[str, object]:
    """The latest materialization of each partition: what each partition's evaluation checked.

    Dagster's public API takes this as `dg.AssetCheckEvaluation(target_materialization_data=...)` but does not
    export its type; it is built through the public `dg.deserialize_value` from Dagster's serialized form (the
    form its event log stores, so it stays readable across Dagster versions) instead of a `dagster._` import."""
    if not partitions:
        return {}
    latest = instance.event_log_storage.get_latest_storage_id_by_partition(
        asset_key, dg.DagsterEventType.ASSET_MATERIALIZATION, set(partitions)
    )
    if not latest:
        return {}
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset_key, storage_ids=list(latest.values())), limit=len(latest)
    ).records
    return {
        record.partition_key: _target(record.storage_id, record.run_id, record.timestamp)
        for record in records
        if record.partition_key is not None
    }


def _target(storage_id: int, run_id: str, timestamp: float) -> object:
    """The materialization an evaluation checked, as `dg.AssetCheckEvaluation` takes it."""
    return dg.deserialize_value(json.dumps({
        "__class__": "AssetCheckEvaluationTargetMaterializationData",
        "storage_id": storage_id, "run_id": run_id, "timestamp": timestamp,
    }))


def _evaluation(
    asset_key: dg.AssetKey,
    outcome: EarningsReconciliation,
    *,
    partition: str | None,
    target: object | None,
    passed: bool | None = None,
) -> dg.AssetCheckEvaluation:
    result = check_result(outcome)
    return dg.AssetCheckEvaluation(
        asset_key=asset_key,
        check_name=EARNINGS_CHECK,
        passed=result.passed if passed is None else passed,
        metadata=result.metadata,
        severity=result.severity,
        partition=partition,
        target_materialization_data=target,
    )


def check_result(outcome: EarningsReconciliation) -> dg.AssetCheckResult:
    """The Dagster check result of a reconciliation, with what was compared as metadata."""
    compared = [p for p in outcome.projects if p.money_compared]
    skipped = [p for p in outcome.projects if not p.money_compared]
    metadata: dict[str, dg.MetadataValue] = {
        "reference_report": dg.MetadataValue.text(outcome.reference_report or "none"),
        "window": dg.MetadataValue.text(f"{outcome.window_start}..{outcome.window_end}"),
        "periods_compared": dg.MetadataValue.int(len(outcome.periods)),
        "projects_compared": dg.MetadataValue.int(len(outcome.projects)),
        "projects_money_compared": dg.MetadataValue.int(len(compared)),
        "projects_in_other_currencies": dg.MetadataValue.json(
            [f"{_label(p)} ({'/'.join(c.upper() for c in p.report_currencies)})" for p in skipped]
        ),
        "export_earnings_in_cents": dg.MetadataValue.int(sum(p.export_earnings_in_cents for p in compared)),
        "report_billable_amount_in_cents": dg.MetadataValue.int(sum(p.report_billable_amount_in_cents for p in compared)),
        "export_seconds": dg.MetadataValue.int(sum(p.export_seconds for p in outcome.projects)),
        "report_seconds": dg.MetadataValue.int(sum(p.report_seconds for p in outcome.projects)),
        "disagreements": dg.MetadataValue.md(_disagreements_table(outcome) or "none"),
    }
    if outcome.note:
        metadata["note"] = dg.MetadataValue.text(outcome.note)
    return dg.AssetCheckResult(
        check_name=EARNINGS_CHECK,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
    )


def _label(project: ProjectComparison) -> str:
    name = project.project_name.replace("\n", " ") or "(no project)"
    return f"{name} / {project.client_name.replace(chr(10), ' ')}" if project.client_name else name


def _disagreements_table(outcome: EarningsReconciliation) -> str:
    rows = outcome.disagreements
    if not rows:
        return ""
    lines = ["| project | export s | report s | export cents | report cents | cents compared |", "|---|---|---|---|---|---|"]
    for p in rows[:50]:
        label = _label(p).replace("|", "\\|")
        lines.append(
            f"| {label} | {p.export_seconds} | {p.report_seconds} | {p.export_earnings_in_cents} | "
            f"{p.report_billable_amount_in_cents} | {'yes' if p.money_compared else 'no'} |"
        )
    return "\n".join(lines)
