"""Hidden amounts end to end: a report saved with hide_amounts, served by the emulator with null money, loaded by
`toggl-warehouse backfill`, lands NULL (not 0) in the entries, totals and graph, and the views show NULL; the
labour cost Toggl still sends is kept to the cent.
The totals gate then compares seconds only: Toggl's hidden amounts are not Toggl's amounts.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa

from toggl_warehouse.cli import main
from toggl_warehouse.dates import yesterday

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]


def test_hidden_report_lands_null_money(emulator, pipeline_env, clean_warehouse):
    emulator.reports["team_detailed"] = dataclasses.replace(emulator.reports["team_detailed"], hide_amounts=True)
    settings = pipeline_env(emulator, reports=("team_detailed",))
    end = yesterday(settings.timezone)
    start = end - timedelta(days=6)

    code = main(["backfill", "--start", start.isoformat(), "--end", end.isoformat()])

    with clean_warehouse.connect() as conn:
        counts = conn.execute(sa.text("""
            SELECT (SELECT count(*) FROM toggl.report_time_entries),
                   (SELECT count(*) FROM toggl.report_time_entries WHERE billable_amount_in_cents IS NOT NULL
                                                                 OR row_billable_amount_in_cents IS NOT NULL),
                   (SELECT count(*) FROM toggl.report_totals WHERE billable_amount_in_cents IS NOT NULL),
                   (SELECT count(*) FROM toggl.report_totals_graph WHERE billable_amount_in_cents IS NOT NULL),
                   (SELECT count(*) FROM reporting.daily_project_hours WHERE billable_amount IS NOT NULL)""")).one()
        labour = conn.execute(sa.text("SELECT sum(labour_cost_in_cents) FROM toggl.report_totals")).scalar()
    assert code == 0
    assert counts[0] > 0
    assert tuple(counts[1:]) == (0, 0, 0, 0)
    expected_labour = emulator.report_totals("team_detailed", start, end)["labour_cost_in_cents"]
    assert expected_labour > 0 and labour == expected_labour
