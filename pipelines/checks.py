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

from dataclasses import dataclass, field
from datetime import date, timedelta

import dagster as dg
import sqlalchemy as sa

from pipelines.assets.profitability import asset_key_for_workspace
from pipelines.assets.shared_reports import asset_key_for_report
from pipelines.dates import period_end, period_starts
from pipelines.extract.profitability import period_window
from pipelines.settings import ProfitabilityOptions
from pipelines.resources import WarehouseResource

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
    (widened to whole periods exactly as the load widens it). Reads the warehouse only."""
    resolution, currency = options.resolution, currency.lower()
    window_start, window_end = period_window(start, end, resolution, not_after=not_after)
    outcome = EarningsReconciliation(workspace_id, reference_report, window_start, window_end)
    if reference_report is None:
        outcome.note = f"{NO_REFERENCE} (no shared report configured)"
        return outcome
    if options.rounding is not None or options.rounding_minutes:
        outcome.note = "TOGGL_PROFITABILITY_ROUNDING(_MINUTES) is set: the export's durations may be rounded, the report's are not; nothing compared"
        return outcome
    with engine.connect() as conn:
        covered = _covered_days(conn, reference_report, window_start, window_end)
        outcome.periods = [
            begin
            for begin in period_starts(window_start, window_end, resolution)
            if _days(begin, min(period_end(begin, resolution), window_end)) <= covered
        ]
        if not outcome.periods:
            outcome.note = NO_REFERENCE
            return outcome
        exported = _export_totals(conn, workspace_id, resolution, currency, outcome.periods)
        reported = _report_totals(conn, reference_report, resolution, outcome.periods, window_end)
    if options.billable is not None or options.client_ids or options.project_ids:
        reported = {key: value for key, value in reported.items() if key in exported}
        outcome.note = "export filters are set: only the exported projects are compared"
    if exported and reported and not (exported.keys() & reported.keys()):
        outcome.note = (
            f"shared report '{reference_report}' shares no project with workspace {workspace_id} "
            "(a report of another workspace?); nothing compared - set TOGGL_RECONCILE_REPORT"
        )
        return outcome
    for name, client in sorted(exported.keys() | reported.keys()):
        export_seconds, export_cents = exported.get((name, client), (0, 0))
        report_seconds, report_cents, currencies = reported.get((name, client), (0, 0, ()))
        outcome.projects.append(
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
    return outcome


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
) -> dict[tuple[str, str], tuple[int, int]]:
    rows = conn.execute(
        sa.text(
            "SELECT project_name, client_name, sum(total_seconds) AS seconds, sum(earnings_in_cents) AS cents "
            "FROM toggl.profitability_projects "
            "WHERE workspace_id = :workspace AND resolution = :resolution AND currency = :currency "
            "AND period_start = ANY(:periods) GROUP BY project_name, client_name"
        ),
        {"workspace": workspace_id, "resolution": resolution, "currency": currency, "periods": periods},
    ).all()
    return {(row.project_name, row.client_name): (int(row.seconds), int(row.cents)) for row in rows}


_BUCKET = {
    "day": "entry_date",
    "week": "date_trunc('week', entry_date)::date",
    "month": "date_trunc('month', entry_date)::date",
}


def _report_totals(
    conn: sa.Connection, report_key: str, resolution: str, periods: list[date], window_end: date
) -> dict[tuple[str, str], tuple[int, int, tuple[str, ...]]]:
    rows = conn.execute(
        sa.text(
            "SELECT coalesce(project_name, '') AS project_name, coalesce(client_name, '') AS client_name, "
            "sum(seconds) AS seconds, coalesce(sum(billable_amount_in_cents), 0) AS cents, "
            "array_remove(array_agg(DISTINCT lower(currency)), NULL) AS currencies "
            "FROM toggl.report_time_entries "
            f"WHERE report_key = :key AND entry_date BETWEEN :first AND :last AND {_BUCKET[resolution]} = ANY(:periods) "
            "GROUP BY 1, 2"
        ),
        {"key": report_key, "first": min(periods), "last": window_end, "periods": periods},
    ).all()
    return {
        (row.project_name, row.client_name): (int(row.seconds), int(row.cents), tuple(sorted(row.currencies)))
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
) -> dg.AssetChecksDefinition:
    """The `earnings_match_shared_report` check of the profitability asset of `workspace_id`."""
    reference = f"shared report '{reference_report}'" if reference_report else "no shared report (passes, comparing nothing)"

    @dg.asset_check(
        asset=asset_key_for_workspace(workspace_id),
        name=EARNINGS_CHECK,
        description=(
            f"Per project, the export's earnings (cents, projects in {currency.upper()}) and seconds equal the "
            f"billable amounts and seconds of {reference} over the periods it covers."
        ),
        additional_deps=[asset_key_for_report(reference_report)] if reference_report else None,
        partitions_def=partitions_def,
    )
    def earnings_match_shared_report(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        key_range = context.partition_key_range
        last = partitions_def.get_last_partition_key()
        outcome = reconcile_earnings(
            warehouse.prepare(context.log),
            workspace_id=workspace_id,
            currency=currency,
            options=options,
            reference_report=reference_report,
            start=date.fromisoformat(key_range.start),
            end=date.fromisoformat(key_range.end),
            not_after=date.fromisoformat(last) if last else None,
        )
        if outcome.disagreements:
            context.log.warning(
                f"profitability export of workspace {workspace_id} disagrees with shared report "
                f"'{reference_report}' for {len(outcome.disagreements)} project(s)"
            )
        return check_result(outcome)

    return earnings_match_shared_report


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
