"""Unit tests of the report-type dispatch and the totals comparison of pipelines.loads.shared_reports.

Covers: the type comes from `report_type`, else from the one result object a response carries; an unknown
or unreadable type is refused by name; WindowTotals compares cents only where the rows carry money.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.loads.shared_reports import KINDS, WindowTotals, _report_kind
from pipelines.toggl.errors import TogglResponseError


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"report_type": "summary", "summary_results": {}}, "summary"),
        ({"report_type": "weekly", "weekly_results": None}, "weekly"),
        ({"report_type": None, "detailed_results": None, "summary_results": None, "weekly_results": {"report": []}}, "weekly"),
        ({"detailed_results": {"report": []}}, "detailed"),
    ],
)
def test_the_report_type_decides_the_table(body, expected) -> None:
    assert _report_kind(body, "r") is KINDS[expected]
    assert {kind.spec.qualified_name for kind in KINDS.values()} == {
        "toggl.report_time_entries", "toggl.report_summary", "toggl.report_weekly"}


@pytest.mark.parametrize("body", [{"report_type": "time_audit"}, {}, {"summary_results": {}, "weekly_results": {}}])
def test_an_unknown_report_type_is_refused_by_name(body) -> None:
    with pytest.raises(TogglResponseError, match="shared report 'r' is .*detailed, summary and weekly"):
        _report_kind(body, "r")


def test_cents_are_compared_only_when_the_rows_carry_them() -> None:
    day = date(2026, 3, 1)
    assert WindowTotals(day, day, 60, 500, 60, None).agrees
    assert not WindowTotals(day, day, 60, 500, 59, None).agrees
    assert WindowTotals(day, day, 60, 500, 60, 500).agrees
    assert not WindowTotals(day, day, 60, 500, 60, 499).agrees
