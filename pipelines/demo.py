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
from pipelines.dates import yesterday
from pipelines.settings import Settings
from pipelines.toggl.emulator import EmulatorConfig, TogglEmulator
from pipelines.warehouse.resource import warehouse_engine

def run_demo(days: int, dagster_home: Path) -> int:
    """Run the demo; returns the process exit code."""
    with TogglEmulator(EmulatorConfig()) as emulator:
        detailed = [k for k, r in emulator.reports.items() if r.report_type == "detailed" and not r.fixed_daterange and k != "broken"]
        environment = {
            "TOGGL_API_URL": emulator.base_url,
            "TOGGL_API_TOKEN": emulator.api_token,
            "TOGGL_SHARED_REPORTS": ",".join(f"{key}={emulator.reports[key].token}" for key in detailed),
            "TOGGL_WORKSPACE_IDS": str(emulator.workspace_ids[0]),
            "TOGGL_MIN_REQUEST_INTERVAL": "0",
        }
        os.environ.update(environment)
        settings = Settings.from_env()
        end = yesterday(settings.timezone)
        start = max(settings.start_date, end - timedelta(days=days - 1))
        engine, described = warehouse_engine(settings.database_url)
        print(f"toggl-warehouse demo\n  Toggl API emulator: {emulator.base_url}\n  warehouse: {described}\n  Dagster instance: {dagster_home}")
        print(f"  backfilling {start}..{end} for reports {', '.join(detailed)} and workspace {emulator.workspace_ids[0]}")
        report = run_backfill(settings, start, end, refresh=True, instance_home=dagster_home, progress=True)
        print(report.summary())
        _print_summary(engine, start, end)
        return 0 if report.ok else 1


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
