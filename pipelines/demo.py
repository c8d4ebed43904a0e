"""`toggl-warehouse demo`: the whole product on embedded defaults, then a short summary of what landed.

Starts the Toggl API emulator on loopback, finds or starts a Postgres, backfills recent days through
Dagster and the real HTTP client, and prints per-table row counts and per-report figures.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from pipelines.backfill import run_backfill
from pipelines.checks import reconcile_earnings
from pipelines.dates import yesterday
from pipelines.extract.profitability import period_window
from pipelines.settings import Settings
from pipelines.toggl.emulator import EmulatorConfig, TogglEmulator
from pipelines.resources import migrated_engine, warehouse_engine


def run_demo(days: int, dagster_home: Path) -> int:
    """Run the demo; returns the process exit code."""
    with TogglEmulator(EmulatorConfig()) as emulator:
        os.environ.update(emulator_environment(emulator))
        settings = Settings.from_env()
        end = yesterday(settings.timezone)
        start = max(settings.start_date, end - timedelta(days=days - 1))
        engine, described = migrated_engine(settings.database_url), warehouse_engine(settings.database_url)[1]
        print(f"toggl-warehouse demo\n  Toggl API emulator: {emulator.base_url}\n  warehouse: {described}\n  Dagster instance: {dagster_home}")
        print(f"  backfilling {start}..{end} for reports {', '.join(r.key for r in settings.shared_reports)} and workspace {emulator.workspace_ids[0]}")
        report = run_backfill(settings, start, end, refresh=True, instance_home=dagster_home, progress=True)
        print(report.summary())
        _print_summary(engine, start, end)
        _print_profitability(engine, settings, start, end)
        return 0 if report.ok else 1


def emulator_environment(emulator: TogglEmulator) -> dict[str, str]:
    """The variables that point toggl-warehouse at a running emulator (its fake credentials).

    Every detailed report whose dates follow the request is configured (not the fixed-range one, nor the
    deliberately broken one), with the premium workspace for the profitability export.
    """
    reports = [
        key
        for key, report in emulator.reports.items()
        if report.report_type == "detailed" and not report.fixed_daterange and key != "broken"
    ]
    return {
        "TOGGL_API_URL": emulator.base_url,
        "TOGGL_API_TOKEN": emulator.api_token,
        "TOGGL_SHARED_REPORTS": ",".join(f"{key}={emulator.reports[key].token}" for key in reports),
        "TOGGL_WORKSPACE_IDS": str(emulator.workspace_ids[0]),
        "TOGGL_MIN_REQUEST_INTERVAL": "0",
    }


def _print_summary(engine: sa.Engine, start, end) -> None:
    with engine.connect() as conn:
        print("\nWhat landed (toggl.report_time_entries):")
        rows = conn.execute(
            sa.text(
                """SELECT report_key, count(*) AS entries, sum(seconds) AS seconds,
                          currency, sum(billable_amount_in_cents) AS cents
                     FROM toggl.report_time_entries
                    WHERE entry_date BETWEEN :start AND :end
                    GROUP BY report_key, currency ORDER BY report_key, currency"""
            ),
            {"start": start, "end": end},
        )
        for row in rows:
            print(
                f"  {row.report_key:<18} {row.currency or '-':<4} {row.entries:>6} entries "
                f"{row.seconds / 3600:>10.2f} h  {row.cents / 100:>12,.2f} billable"
            )
        checks = conn.execute(
            sa.text(
                """SELECT t.report_key, t.window_start, t.window_end, t.seconds, t.billable_amount_in_cents,
                          (SELECT coalesce(sum(e.seconds), 0) FROM toggl.report_time_entries e
                            WHERE e.report_key = t.report_key AND e.entry_date BETWEEN t.window_start AND t.window_end) AS entry_seconds,
                          (SELECT coalesce(sum(e.billable_amount_in_cents), 0) FROM toggl.report_time_entries e
                            WHERE e.report_key = t.report_key AND e.entry_date BETWEEN t.window_start AND t.window_end) AS entry_cents
                     FROM toggl.report_totals t
                    WHERE t.window_start = :start AND t.window_end = :end
                    ORDER BY t.report_key"""
            ),
            {"start": start, "end": end},
        )
        print("\nToggl's totals vs the loaded entries:")
        for row in checks:
            agrees = (row.seconds, row.billable_amount_in_cents) == (row.entry_seconds, row.entry_cents)
            print(
                f"  {row.report_key:<18} Toggl {row.seconds} s / {row.billable_amount_in_cents} c; "
                f"entries {row.entry_seconds} s / {row.entry_cents} c -> {'agree' if agrees else 'DISAGREE'}"
            )
        print("\nQuery it from BI: SELECT * FROM reporting.daily_project_hours ORDER BY entry_date DESC LIMIT 20;")


def _print_profitability(engine: sa.Engine, settings: Settings, start, end) -> None:
    """One line per workspace: what the profitability export landed, and whether it matches the shared report."""
    first, last = period_window(start, end, settings.profitability.resolution, not_after=end)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                """SELECT workspace_id, resolution, currency, count(*) AS rows, count(DISTINCT period_start) AS periods,
                          sum(total_seconds) AS seconds, sum(earnings_in_cents) AS earnings, sum(profit_in_cents) AS profit
                     FROM toggl.profitability_projects
                    WHERE period_start BETWEEN :start AND :end AND workspace_id = ANY(:workspaces)
                    GROUP BY workspace_id, resolution, currency ORDER BY workspace_id, resolution, currency"""
            ),
            {"start": first, "end": last, "workspaces": list(settings.workspace_ids)},
        ).all()
    if not rows:
        return
    print("\nProfitability export (toggl.profitability_projects):")
    for row in rows:
        outcome = reconcile_earnings(
            engine,
            workspace_id=row.workspace_id,
            currency=settings.currency,
            options=settings.profitability,
            reference_report=settings.reference_report_key,
            start=start,
            end=end,
            not_after=end,
        )
        if outcome.note:
            verdict = outcome.note
        else:
            in_currency = sum(project.money_compared for project in outcome.projects)
            verdict = (
                f"{'matches' if outcome.passed else 'DOES NOT MATCH'} shared report '{outcome.reference_report}' "
                f"(seconds of {len(outcome.projects)} projects, cents of the {in_currency} in {settings.currency.upper()})"
            )
        print(
            f"  workspace {row.workspace_id} {row.resolution} {row.currency.upper()}: {row.rows} rows, {row.periods} periods, "
            f"{row.seconds / 3600:.2f} h, earnings {row.earnings / 100:,.2f}, profit {row.profit / 100:,.2f}; {verdict}"
        )
    print("  BI view: SELECT * FROM reporting.project_profitability ORDER BY period_start DESC LIMIT 20;")
