"""The report-type registry (`load.report_kinds.KINDS`): what the asset specs, the loader and the page shape
derive from it; each report type has exactly one flattener (a frame flattener, or COPY-ready records for the
detailed report), and a kind without one, or with both, is refused."""

from __future__ import annotations

import pytest

from toggl_warehouse.assets.warehouse import warehouse_specs
from toggl_warehouse.load.report_kinds import KINDS, ReportKind, PER_WINDOW_TABLES, SHARED_REPORT_TABLES, tables_written, type_names
from toggl_warehouse.warehouse import tables
from toggl_warehouse.transform.report_shape import ReportShapeError, page_rows, report_type_of

import dagster as dg


def test_each_report_type_is_one_entry() -> None:
    assert [(k.name, k.results_key, k.rows_path, k.spec.qualified_name, k.date_column) for k in KINDS.values()] == [
        ("detailed", "detailed_results", ("report",), "toggl.report_time_entries", "entry_date"),
        ("summary", "summary_results", ("report", "groups"), "toggl.report_summary", None),
        ("weekly", "weekly_results", ("report",), "toggl.report_weekly", "day"),
    ]
    assert type_names() == "detailed, summary and weekly"
    assert type_names("or") == "detailed, summary or weekly"


def test_the_tables_a_shared_report_writes_derive_from_the_registry() -> None:
    assert [spec.qualified_name for spec in PER_WINDOW_TABLES] == [
        "toggl.report_totals", "toggl.report_totals_graph", "toggl.report_rates", "toggl.report_summary",
    ]
    assert [spec.qualified_name for spec in SHARED_REPORT_TABLES] == [
        "toggl.report_time_entries", "toggl.report_summary", "toggl.report_weekly", "toggl.report_totals",
        "toggl.report_totals_graph", "toggl.report_rates", "toggl.clients", "toggl.projects", "toggl.tags",
        "toggl.tasks", "toggl.users", "toggl.user_groups",
    ]
    assert tables_written() == [
        "toggl.report_time_entries (detailed reports)", "toggl.report_summary (summary reports)",
        "toggl.report_weekly (weekly reports)", "toggl.report_totals", "toggl.report_totals_graph",
        "toggl.report_rates", "toggl.clients, projects, tags, tasks, users, user_groups",
    ]


def test_lineage_a_shared_report_asset_writes_every_registry_table_and_nothing_else() -> None:
    source = dg.AssetKey(["toggl", "shared_report_team"])
    written = sorted(spec.key.to_user_string() for spec in warehouse_specs([source], []) if source in {d.asset_key for d in spec.deps}
                     and spec.key.path[0] == "toggl")

    assert written == sorted(s.qualified_name.replace(".", "/") for s in SHARED_REPORT_TABLES)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"weekly_results": {"report": [{"user_id": 1}]}}, ("weekly", [{"user_id": 1}])),
        ({"summary_results": {"report": {"groups": [{"id": 7}]}}}, ("summary", [{"id": 7}])),
        ({"summary_results": {"report": None}}, ("summary", [])),
    ],
)
def test_the_page_shape_follows_each_kinds_results_key_and_rows_path(body, expected) -> None:
    kind = report_type_of(body)

    assert (kind, page_rows(body, kind)) == expected


def test_a_summary_report_that_is_not_an_object_names_the_step() -> None:
    with pytest.raises(ReportShapeError) as raised:
        page_rows({"summary_results": {"report": 3}}, "summary")

    assert str(raised.value) == "summary_results.report is a JSON number, not an object with groups"


def test_each_report_type_has_exactly_one_flattener() -> None:
    assert {name: (kind.flatten is not None, kind.records is not None) for name, kind in KINDS.items()} == {
        "detailed": (False, True), "weekly": (True, False), "summary": (True, False),
    }


@pytest.mark.parametrize("flatteners", [{}, {"flatten": lambda *a: None, "records": lambda *a: None}])
def test_a_kind_needs_exactly_one_flattener(flatteners: dict) -> None:
    with pytest.raises(ValueError, match="report kind 'x': give exactly one of flatten and records"):
        ReportKind("x", "x_results", ("report",), tables.REPORT_WEEKLY, "day", True, **flatteners)


def test_records_need_a_date_column() -> None:
    with pytest.raises(ValueError, match="report kind 'x': records are staged page by page, which needs a date_column"):
        ReportKind("x", "x_results", ("report",), tables.REPORT_SUMMARY, None, False, records=lambda *a: None)
