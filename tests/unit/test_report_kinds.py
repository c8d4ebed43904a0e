"""Unit tests of toggl_warehouse.load.report_kinds: each report type has exactly one flattener (a frame
flattener, or COPY-ready records for the detailed report), and a kind without one, or with both, is refused."""

from __future__ import annotations

import pytest

from toggl_warehouse.load.report_kinds import KINDS, ReportKind
from toggl_warehouse.warehouse import tables


def test_each_report_type_has_exactly_one_flattener() -> None:
    assert {name: (kind.flatten is not None, kind.records is not None) for name, kind in KINDS.items()} == {
        "detailed": (False, True), "weekly": (True, False), "summary": (True, False),
    }


@pytest.mark.parametrize("flatteners", [{}, {"flatten": lambda *a: None, "records": lambda *a: None}])
def test_a_kind_needs_exactly_one_flattener(flatteners: dict) -> None:
    with pytest.raises(ValueError, match="report kind 'x': give exactly one of flatten and records"):
        ReportKind("x", tables.REPORT_WEEKLY, "day", True, **flatteners)


def test_records_need_a_date_column() -> None:
    with pytest.raises(ValueError, match="report kind 'x': records are staged page by page, which needs a date_column"):
        ReportKind("x", tables.REPORT_SUMMARY, None, False, records=lambda *a: None)
